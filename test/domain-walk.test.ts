// Changing the domain replaces the certificate create-before-destroy and moves the alias records:
// none -> a -> b -> none -> a, counted in every service after each `up`, never from the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';
import { makeProject, type CliRun } from './helpers/cli.ts';
import { censusMismatches, domainCensus, takeCensus, type CensusKind, type CensusTarget } from './helpers/census.ts';
import { stateBucket } from './helpers/s3.ts';

const emulator = await useEmulator();
const PROJECT = 'walk-resume';
const REGION = 'eu-west-1';
const ZONE = 'example.com';
const A = `resume.${ZONE}`;
const B = `cv.${ZONE}`;
const DOMAIN_KINDS: readonly CensusKind[] = ['certificates', 'validationRecords', 'aRecords', 'aaaaRecords'];
const target = (domain: string): CensusTarget => ({
  endpoint: emulator.endpoint, project: PROJECT, region: REGION, account: ACCOUNT, domain, stateBucket: stateBucket(REGION), stateKey: `${PROJECT}/state.json`,
});

function tail(run: CliRun): string {
  return `exit ${run.code}\nstdout: ${run.stdout.slice(-1500)}\nstderr: ${run.stderr.slice(-2500)}`;
}

test('a domain walk none -> a -> b -> none -> a leaves exactly the current domain\'s certificate, validation record and alias records', async () => {
  await emulator.reset();
  const route53 = new Route53Client({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  await route53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `walk-${Date.now()}` }));
  route53.destroy();
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region: REGION });

  let previous: string | undefined;
  for (const domain of [undefined, A, B, undefined, A]) {
    const step = `domain ${domain ?? 'none'}`;
    await writeFile(project.configPath, JSON.stringify({ project: PROJECT, region: REGION, ...(domain ? { domain } : {}) }));
    if (previous && domain) {
      const planned = await project.run('plan');
      assert.equal(planned.code, 2, tail(planned));
      assert.match(planned.stdout, new RegExp(`-/\\+ replace ACM certificate ${previous} \\(domain: "${previous}" -> "${domain}"\\)`));
      // Records are per name: the new name's are added and the old name's deleted, in place.
      assert.match(planned.stdout, new RegExp(`~ update Route 53 alias records ${previous} A/AAAA\n      ${domain} A: \\(none\\) -> "Z2FDTNDATAQYW2 [a-z0-9]+\\.cloudfront\\.net\\. false"\n`));
      assert.match(planned.stdout, new RegExp(`\n      ${previous} AAAA: "Z2FDTNDATAQYW2 [a-z0-9]+\\.cloudfront\\.net\\. false" -> \\(none\\)\n`));
    }
    previous = domain;
    const up = await project.run('up', '--yes');
    assert.equal(up.code, 0, `${step}: up failed\n${tail(up)}`);

    // Every other kind: exactly one, as after any up.
    const census = await takeCensus(target(domain ?? A));
    const others = censusMismatches(census, 1).filter((entry) => !DOMAIN_KINDS.some((kind) => entry.startsWith(`${kind}=`)));
    assert.deepEqual(others, [], `${step}: ${JSON.stringify(census.counts)}`);
    // The domain's parts: one of each for the current name, nothing for the other.
    for (const name of [A, B]) {
      const expected = name === domain ? 1 : 0;
      const counts = await domainCensus(target(name), name);
      assert.deepEqual(counts, { certificates: expected, validationRecords: expected, aRecords: expected, aaaaRecords: expected }, `${step}: what exists for ${name}`);
    }
    const taggedCertificates = census.tagged.filter((arn) => arn.includes(':acm:'));
    assert.equal(taggedCertificates.length, domain ? 1 : 0, `${step}: certificates tagged for the project: ${taggedCertificates.join(', ')}`);
    const plan = await project.run('plan');
    assert.equal(plan.code, 0, `${step}: plan after up wants changes\n${tail(plan)}`);
  }

  const destroyed = await project.run('destroy', '--yes');
  assert.equal(destroyed.code, 0, `destroy failed\n${tail(destroyed)}`);
  const census = await takeCensus(target(A));
  assert.deepEqual(censusMismatches(census, 0), [], `left after destroy: ${JSON.stringify(census.counts)}`);
  assert.deepEqual(census.tagged, []);
  for (const name of [A, B]) assert.deepEqual(await domainCensus(target(name), name), { certificates: 0, validationRecords: 0, aRecords: 0, aaaaRecords: 0 });
});
