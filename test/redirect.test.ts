// The names that redirect to the domain reach CloudFront: the certificate covers them, the
// distribution aliases them, Route 53 points them at it; added, removed and destroyed with the
// config, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { DescribeFunctionCommand, GetDistributionConfigCommand, TestFunctionCommand } from '@aws-sdk/client-cloudfront';
import { viewerRequestEvent } from '../src/edge/runtime.ts';
import { ChangeResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { makeProject, type CliRun, type TestProject } from './helpers/cli.ts';
import { emulator, acm, cloudfront, route53, s3, region, PROJECT, SITE_FILES, STATE_BUCKET, STATE_KEY, createZone, records, distributions, upOk, aliasOf } from './helpers/domain-stack.ts';

const APEX = 'example.com';
const WWW = `www.${APEX}`;
const SUB = `resume.${APEX}`;

function tail(run: CliRun): string {
  return `exit ${run.code}\nstdout: ${run.stdout.slice(-2500)}\nstderr: ${run.stderr.slice(-2500)}`;
}

async function projectFor(config: Record<string, unknown>): Promise<TestProject> {
  return makeProject(emulator.endpoint, { project: PROJECT, region, ...config }, SITE_FILES);
}

/** Every certificate in us-east-1: its domain and the other names it covers. */
async function certificateNames(): Promise<string[][]> {
  const summaries = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
  const described = await Promise.all(summaries.map((summary) => acm.send(new DescribeCertificateCommand({ CertificateArn: summary.CertificateArn }))));
  return described.map(({ Certificate: certificate }) => {
    const others = [...new Set(certificate?.SubjectAlternativeNames ?? [])].filter((name) => name !== certificate?.DomainName).sort();
    return [certificate?.DomainName ?? '', ...others];
  });
}

async function aliasesOfSite(): Promise<{ aliases: string[]; domainName: string }> {
  const [site] = await distributions();
  assert.ok(site, 'one distribution');
  const config = (await cloudfront.send(new GetDistributionConfigCommand({ Id: site.id }))).DistributionConfig;
  return { aliases: [...(config?.Aliases?.Items ?? [])].sort(), domainName: site.domainName };
}

/** The A/AAAA records in the zone, as "<type> <name> -> <alias target>", and the validation CNAMEs by the name they validate. */
async function zoneSummary(zoneId: string): Promise<{ aliases: string[]; validation: string[] }> {
  const all = await records(zoneId);
  const aliases = all.filter((record) => record.Type === 'A' || record.Type === 'AAAA')
    .map((record) => `${record.Type} ${record.Name ?? ''} -> ${aliasOf(record)?.name ?? 'not an alias'}`).sort();
  const validation = all.filter((record) => record.Type === 'CNAME' && record.Name?.startsWith('_')).map((record) => (record.Name ?? '').replace(/^_[^.]*\./, '')).sort();
  return { aliases, validation };
}

function pointing(names: readonly string[], target: string): string[] {
  return names.flatMap((name) => ['A', 'AAAA'].map((type) => `${type} ${name}. -> ${target}`)).sort();
}

async function planExitsZero(project: TestProject, step: string): Promise<void> {
  const plan = await project.run('plan');
  assert.equal(plan.code, 0, `${step}: plan after up wants changes\n${tail(plan)}`);
}

describe('a domain at the apex of its zone', () => {
  test('www redirects by default: the certificate covers it, the distribution aliases it, both names have A/AAAA aliases', async () => {
    const zoneId = await createZone(APEX);
    const project = await projectFor({ domain: APEX });
    const plan = await project.run('plan');
    assert.equal(plan.code, 2, tail(plan));

    await upOk(project);
    assert.deepEqual(await certificateNames(), [[APEX, WWW]]);
    const { aliases, domainName } = await aliasesOfSite();
    assert.deepEqual(aliases, [APEX, WWW]);
    assert.deepEqual(await zoneSummary(zoneId), { aliases: pointing([APEX, WWW], domainName), validation: [`${APEX}.`, `${WWW}.`] });
    await planExitsZero(project, 'apex');

    // The published function answers www with a 301 to the apex, path and query kept (TestFunction runs the LIVE code).
    const live = await cloudfront.send(new DescribeFunctionCommand({ Name: `${PROJECT}-edge`, Stage: 'LIVE' }));
    const event = viewerRequestEvent({ uri: '/about/', querystring: 'a=1&b', headers: { host: WWW } });
    const tested = await cloudfront.send(new TestFunctionCommand({ Name: `${PROJECT}-edge`, Stage: 'LIVE', IfMatch: live.ETag, EventObject: Buffer.from(JSON.stringify(event)) }));
    const output = JSON.parse(tested.TestResult?.FunctionOutput ?? '{}') as { response?: { statusCode?: number; headers?: Record<string, { value: string }> } };
    assert.equal(output.response?.statusCode, 301);
    assert.equal(output.response?.headers?.location?.value, `https://${APEX}/about/?a=1&b`);

    // WHEN destroy runs THEN both names' records and both validation CNAMEs go with the certificate.
    const destroyed = await project.run('destroy', '--yes');
    assert.equal(destroyed.code, 0, tail(destroyed));
    assert.deepEqual(await zoneSummary(zoneId), { aliases: [], validation: [] });
    assert.deepEqual(await certificateNames(), []);
  });

  test('"redirectFrom": [] turns the default off', async () => {
    const zoneId = await createZone(APEX);
    const project = await projectFor({ domain: APEX, redirectFrom: [] });
    await upOk(project);
    assert.deepEqual(await certificateNames(), [[APEX]]);
    const { aliases, domainName } = await aliasesOfSite();
    assert.deepEqual(aliases, [APEX]);
    assert.deepEqual(await zoneSummary(zoneId), { aliases: pointing([APEX], domainName), validation: [`${APEX}.`] });
  });

  test('a www record of someone else\'s stops up in one line before anything is created', async () => {
    const zoneId = await createZone(APEX);
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: WWW, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'jane.github.io' }] } }] },
    }));
    const project = await projectFor({ domain: APEX });
    const result = await project.run('up', '--yes');
    assert.equal(result.code, 1, tail(result));
    assert.match(result.stderr, new RegExp(`^error: ${WWW.replace(/\./g, '\\.')} already has a CNAME record in hosted zone example\\.com \\(${zoneId}\\), and it redirects to the apex domain by default; delete that record, or set "redirectFrom" to the names to redirect \\(e\\.g\\. \\[\\] for none\\); nothing was changed$`, 'm'));
    assert.deepEqual(result.calls.filter((call) => call.mutating).map((call) => `${call.service}.${call.operation}`), []);
    assert.deepEqual((await records(zoneId)).map((record) => `${record.Type} ${record.Name ?? ''}`), [`CNAME ${WWW}.`]);
  });
});

describe('a subdomain', () => {
  test('has no default redirect; adding a name and removing it again is planned, applied and leaves nothing behind', async () => {
    const zoneId = await createZone(APEX);
    const project = await projectFor({ domain: SUB });
    await upOk(project);
    assert.deepEqual(await certificateNames(), [[SUB]]);
    const { domainName } = await aliasesOfSite();
    assert.deepEqual((await aliasesOfSite()).aliases, [SUB]);
    assert.deepEqual(await zoneSummary(zoneId), { aliases: pointing([SUB], domainName), validation: [`${SUB}.`] });

    // WHEN a redirect name is added THEN plan shows the new certificate, the alias and the records.
    const extra = `cv.${APEX}`;
    await writeFile(project.configPath, JSON.stringify({ project: PROJECT, region, domain: SUB, redirectFrom: [extra, APEX] }));
    const added = await project.run('plan');
    assert.equal(added.code, 2, tail(added));
    assert.match(added.stdout, new RegExp(`-/\\+ replace ACM certificate ${SUB} \\(alternativeNames: "" -> "${extra},${APEX}"\\)`));
    assert.match(added.stdout, new RegExp(`~ update CloudFront distribution .*\\n(.*\\n)*      aliases: "${SUB}" -> "${extra},${APEX},${SUB}"\\n`));
    assert.match(added.stdout, new RegExp(`~ update Route 53 alias records ${SUB} A/AAAA\\n(.*\\n)*      ${extra} AAAA: \\(none\\) -> "Z2FDTNDATAQYW2 ${domainName}\\. false"\\n`));
    await upOk(project, '--yes');
    assert.deepEqual(await certificateNames(), [[SUB, extra, APEX]]);
    assert.deepEqual((await aliasesOfSite()).aliases, [APEX, extra, SUB].sort());
    assert.deepEqual(await zoneSummary(zoneId), { aliases: pointing([SUB, APEX, extra], domainName), validation: [`${extra}.`, `${APEX}.`, `${SUB}.`] });
    await planExitsZero(project, 'added');

    // WHEN one is removed THEN plan shows its records going, and up deletes them and the old certificate's unused validation CNAME.
    await writeFile(project.configPath, JSON.stringify({ project: PROJECT, region, domain: SUB, redirectFrom: [APEX] }));
    const removed = await project.run('plan');
    assert.equal(removed.code, 2, tail(removed));
    assert.match(removed.stdout, new RegExp(`      ${extra} A: "Z2FDTNDATAQYW2 ${domainName}\\. false" -> \\(none\\)\\n`));
    assert.match(removed.stdout, new RegExp(`\\(alternativeNames: "${extra},${APEX}" -> "${APEX}"\\)`));
    await upOk(project, '--yes');
    assert.deepEqual(await certificateNames(), [[SUB, APEX]]);
    assert.deepEqual((await aliasesOfSite()).aliases, [APEX, SUB].sort());
    assert.deepEqual(await zoneSummary(zoneId), { aliases: pointing([SUB, APEX], domainName), validation: [`${APEX}.`, `${SUB}.`] });
    await planExitsZero(project, 'removed');
  });

  test('records of a redirect name that a crash kept out of the state are deleted once the name leaves the config', async () => {
    const zoneId = await createZone(APEX);
    const project = await projectFor({ domain: SUB, redirectFrom: [APEX] });
    await upOk(project);
    const { domainName } = await aliasesOfSite();
    // GIVEN a state written before the redirect name's records were made (a crash between the UPSERT and the state write).
    const state = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY }))).Body?.transformToString() ?? '{}') as { resources: Record<string, { outputs: Record<string, string> }> };
    const recorded = state.resources.dnsRecords;
    assert.ok(recorded, JSON.stringify(state));
    assert.equal(recorded.outputs.recordNames, `${SUB},${APEX}`);
    recorded.outputs.recordNames = SUB;
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: JSON.stringify(state) }));

    // WHEN the name leaves the config THEN plan and up still find its records, and delete them.
    await writeFile(project.configPath, JSON.stringify({ project: PROJECT, region, domain: SUB, redirectFrom: [] }));
    const plan = await project.run('plan');
    assert.equal(plan.code, 2, tail(plan));
    assert.match(plan.stdout, new RegExp(`- delete \\(orphan\\) Route 53 alias records ${APEX} A/AAAA\\n`));
    await upOk(project, '--yes');
    assert.deepEqual(await zoneSummary(zoneId), { aliases: pointing([SUB], domainName), validation: [`${SUB}.`] });
    await planExitsZero(project, 'after the sweep');
  });
});
