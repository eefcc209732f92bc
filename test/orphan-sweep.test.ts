// Orphans: things the project made that the state does not name (a crash, a hand-made copy).
// `plan` lists them as `- delete (orphan)`, `up` and `destroy` delete them, and look-alikes the
// project did not make (untagged, or pointing elsewhere) stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand, ListTagsForCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { APIGatewayClient, CreateRestApiCommand, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type RRType } from '@aws-sdk/client-route-53';
import { useEmulator } from './helpers/emulator.ts';
import { makeProject, type CliRun } from './helpers/cli.ts';

const emulator = await useEmulator();
const PROJECT = 'orphan-resume';
const ZONE = 'example.com';
const DOMAIN = `resume.${ZONE}`;
const TAG = { Key: 'resume-infra:project', Value: PROJECT };
const base = { endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1, region: 'us-east-1' };
const acm = new ACMClient(base);
const route53 = new Route53Client(base);
const cloudfront = new CloudFrontClient(base);
const dynamodb = new DynamoDBClient({ ...base, region: 'eu-west-1' });
const apigateway = new APIGatewayClient({ ...base, region: 'eu-west-1' });

async function restApiIds(): Promise<string[]> {
  return ((await apigateway.send(new GetRestApisCommand({ limit: 500 }))).items ?? []).map((api) => api.id ?? '').sort();
}

async function table(name: string, tagged: boolean): Promise<void> {
  await dynamodb.send(new CreateTableCommand({
    TableName: name, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], ...(tagged ? { Tags: [TAG] } : {}),
  }));
}

function tail(run: CliRun): string {
  return `exit ${run.code}\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-2000)}`;
}

async function certificate(domain: string, token: string, tagged: boolean): Promise<string> {
  const arn = (await acm.send(new RequestCertificateCommand({ DomainName: domain, ValidationMethod: 'DNS', IdempotencyToken: token, ...(tagged ? { Tags: [TAG] } : {}) }))).CertificateArn ?? '';
  return arn;
}

async function certificates(): Promise<Array<{ arn: string; domain: string; tagged: boolean }>> {
  const summaries = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
  return Promise.all(summaries.map(async (summary) => {
    const tags = (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: summary.CertificateArn }))).Tags ?? [];
    return { arn: summary.CertificateArn ?? '', domain: summary.DomainName ?? '', tagged: tags.some((tag) => tag.Key === TAG.Key && tag.Value === PROJECT) };
  }));
}

async function upsert(zoneId: string, name: string, type: RRType, target: { alias?: string; value?: string }): Promise<void> {
  await route53.send(new ChangeResourceRecordSetsCommand({
    HostedZoneId: zoneId,
    ChangeBatch: {
      Changes: [{
        Action: 'UPSERT',
        ResourceRecordSet: target.alias
          ? { Name: name, Type: type, AliasTarget: { HostedZoneId: 'Z2FDTNDATAQYW2', DNSName: target.alias, EvaluateTargetHealth: false } }
          : { Name: name, Type: type, TTL: 300, ResourceRecords: [{ Value: target.value ?? '' }] },
      }],
    },
  }));
}

async function recordNames(zoneId: string): Promise<string[]> {
  const records = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
  return records.filter((record) => record.Type !== 'NS' && record.Type !== 'SOA').map((record) => `${record.Type} ${record.Name ?? ''}`).sort();
}

test('hand-made tagged certificate and alias record to the distribution: plan lists them as orphans, up and destroy delete them, look-alikes stay', async () => {
  await emulator.reset();
  const zoneId = ((await route53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `orphan-${Date.now()}` }))).HostedZone?.Id ?? '').replace('/hostedzone/', '');
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region: 'eu-west-1', domain: DOMAIN });
  const first = await project.run('up');
  assert.equal(first.code, 0, tail(first));
  const distribution = (await cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Items?.[0]?.DomainName ?? '';
  const before = await recordNames(zoneId);

  // GIVEN, outside the state: a tagged certificate with its validation CNAME, and A/AAAA aliases to the project's distribution.
  const orphanArn = await certificate(`old.${ZONE}`, 'orphan-by-hand', true);
  const validation = (await acm.send(new DescribeCertificateCommand({ CertificateArn: orphanArn }))).Certificate?.DomainValidationOptions?.[0]?.ResourceRecord;
  assert.ok(validation?.Name && validation.Value);
  await upsert(zoneId, validation.Name, 'CNAME', { value: validation.Value });
  for (const type of ['A', 'AAAA'] as const) await upsert(zoneId, `stale.${ZONE}`, type, { alias: distribution });
  const apisBefore = await restApiIds();
  const orphanApi = (await apigateway.send(new CreateRestApiCommand({ name: `${PROJECT}-api`, tags: { [TAG.Key]: PROJECT } }))).id ?? '';
  // ... and look-alikes the project did not make: an untagged certificate, an alias to another distribution, an untagged API of the same name.
  const untaggedApi = (await apigateway.send(new CreateRestApiCommand({ name: `${PROJECT}-api` }))).id ?? '';
  const untaggedArn = await certificate(`old.${ZONE}`, 'someone-else', false);
  await upsert(zoneId, `other.${ZONE}`, 'A', { alias: 'd999example.cloudfront.net' });

  // WHEN plan runs THEN it lists the orphans, and only them.
  const plan = await project.run('plan');
  assert.equal(plan.code, 2, tail(plan));
  assert.match(plan.stdout, new RegExp(`- delete \\(orphan\\) ACM certificate old\\.${ZONE}\n`));
  assert.match(plan.stdout, new RegExp(`- delete \\(orphan\\) Route 53 alias records stale\\.${ZONE} A/AAAA\n`));
  assert.match(plan.stdout, new RegExp(`- delete \\(orphan\\) REST API ${PROJECT}-api \\(${orphanApi}\\)\n`));
  assert.equal(plan.stdout.match(/\(orphan\)/g)?.length, 3, plan.stdout);

  // WHEN up runs THEN they are gone, with the certificate's validation CNAME, and the look-alikes stay.
  const up = await project.run('up', '--yes');
  assert.equal(up.code, 0, tail(up));
  const left = await certificates();
  assert.deepEqual(left.filter((entry) => entry.arn === orphanArn), []);
  assert.deepEqual(left.filter((entry) => entry.arn === untaggedArn).map((entry) => entry.tagged), [false]);
  const after = await recordNames(zoneId);
  // The orphan's validation CNAME stays: the untagged certificate for the same name uses the same
  // record (ACM gives one per name in an account) and would not renew without it.
  assert.deepEqual(after, [...before, `A other.${ZONE}.`, `CNAME ${validation.Name}`].sort(), 'the stale aliases are gone; the other alias and the shared validation CNAME stay');
  assert.deepEqual(await restApiIds(), [...apisBefore, untaggedApi].sort());
  assert.equal((await project.run('plan')).code, 0);

  // WHEN a tagged table appears outside the state THEN plan lists it, up refuses to delete its data
  // unless allowed, and an untagged table of a similar name stays.
  await table(`${PROJECT}-extra`, true);
  await table(`${PROJECT}-mine`, false);
  const tablePlan = await project.run('plan', '--verbose');
  assert.match(tablePlan.stdout, new RegExp(`- delete \\(orphan\\) DynamoDB table ${PROJECT}-extra\n      it holds data: up deletes it only when run with --allow-data-loss`));
  // The searches by tag of the function, the secret and the table share one request.
  assert.equal(tablePlan.stderr.match(/^aws ResourceGroupsTaggingAPI\.GetResources /gm)?.length, 1, tablePlan.stderr);
  // The current certificate's tags are read once, by its read: the orphan search keeps it unread.
  const current = (await certificates()).find((entry) => entry.domain === DOMAIN && entry.tagged);
  assert.ok(current, 'the current certificate');
  assert.equal(tablePlan.stderr.split('\n').filter((line) => line.startsWith(`aws ACM.ListTagsForCertificate ${current.arn} `)).length, 1, tablePlan.stderr);
  // No CI deploy role: one GetRole finds it missing, and its policies are not listed.
  assert.equal(tablePlan.stderr.match(new RegExp(`^aws IAM\\.GetRole ${PROJECT}-github-deploy `, 'gm'))?.length, 1, tablePlan.stderr);
  assert.doesNotMatch(tablePlan.stderr, new RegExp(`^aws IAM\\.List\\w+ ${PROJECT}-github-deploy `, 'm'));
  const refused = await project.run('up');
  assert.equal(refused.code, 1, tail(refused));
  assert.match(refused.stderr, new RegExp(`^error: DynamoDB table ${PROJECT}-extra tagged for this project but not in its state would be deleted with the data it holds; run up --allow-data-loss`, 'm'));
  const allowed = await project.run('up', '--yes', '--allow-data-loss');
  assert.equal(allowed.code, 0, tail(allowed));
  assert.deepEqual(((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).sort(), [`${PROJECT}-counter`, `${PROJECT}-mine`]);

  // WHEN another tagged certificate appears and destroy runs THEN destroy lists and deletes it too.
  const second = await certificate(`older.${ZONE}`, 'orphan-two', true);
  const destroyed = await project.run('destroy', '--yes');
  assert.equal(destroyed.code, 0, tail(destroyed));
  assert.match(destroyed.stderr, new RegExp(`ACM certificate older\\.${ZONE} \\(orphan\\)`));
  const remaining = await certificates();
  assert.deepEqual(remaining.map((entry) => entry.arn), [untaggedArn], `left: ${JSON.stringify(remaining)} (the orphan was ${second})`);
  assert.deepEqual(await recordNames(zoneId), [`A other.${ZONE}.`, `CNAME ${validation.Name}`].sort(), 'what the project did not make, or shares with a certificate it did not make, stays');
  assert.deepEqual((await dynamodb.send(new ListTablesCommand({}))).TableNames, [`${PROJECT}-mine`]);
  assert.deepEqual(await restApiIds(), [untaggedApi]);
});
