// A plan's reads go out together wherever the state already says what to read: with a delay on
// every answer (bench/proxy.ts), a read that needs nothing from another's answer is sent before
// that answer arrives. Each of these was a wait of its own, one round trip to AWS each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { start, type RecordingProxy, type TimelineEntry } from '../bench/proxy.ts';
import { makeProject } from './helpers/cli.ts';
import { CONFIG, createZone, emulator, SITE_FILES, upOk } from './helpers/domain-stack.ts';

const DELAY_MS = 150;

/** Deploys the domain stack, then runs `plan` on it through the proxy with DELAY_MS on every answer (and what `delay` adds): its requests. */
async function delayedPlan(delay: (proxy: RecordingProxy) => void = () => undefined, options: { accountKnown?: boolean } = {}): Promise<TimelineEntry[]> {
  await createZone('example.com');
  await upOk();
  const proxy = await start(emulator.endpoint);
  try {
    // The same project (its state is in the emulator), run through the proxy.
    const delayed = await makeProject(proxy.url, CONFIG, SITE_FILES);
    // A run before, through the same endpoint, has the account remembered (account-cache.ts).
    if (options.accountKnown) assert.equal((await delayed.run('plan')).code, 0);
    proxy.setLatency(DELAY_MS);
    delay(proxy);
    proxy.reset();
    const plan = await delayed.run('plan');
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    return proxy.timeline();
  } finally {
    await proxy.stop();
  }
}

test('a plan reads what the state records (certificate and its validation record, REST API and its deployment, role, table, secret, log group, bucket, distribution, function, zone) without waiting for first answers', async () => {
  const timeline = await delayedPlan();
  const calls = (service: string, operation: string) => timeline.filter((entry) => entry.service === service && entry.operation === operation);
  const one = (service: string, operation: string): TimelineEntry => {
    const found = calls(service, operation);
    assert.equal(found.length, 1, `${service} ${operation}: ${found.length} calls`);
    return found[0] as TimelineEntry;
  };
  const sentBeforeAnswer = (later: TimelineEntry, earlier: TimelineEntry) => {
    assert.ok(later.start < earlier.end, `${later.service} ${later.operation} was sent at ${later.start.toFixed(0)} ms, after ${earlier.operation}'s answer at ${earlier.end.toFixed(0)} ms`);
  };

  // The certificate and its tags at once (the state names its ARN).
  sentBeforeAnswer(one('acm', 'ListTagsForCertificate'), one('acm', 'DescribeCertificate'));
  // restApi and api read the API with one GetRestApi, and what is in it along with that.
  const getRestApi = one('apigateway', 'GetRestApi');
  sentBeforeAnswer(one('apigateway', 'GetStage'), getRestApi);
  sentBeforeAnswer(one('apigateway', 'GetResources'), getRestApi);
  // The counter's role, its policy lists and the policy the tool puts on it at once.
  // (The first GetRole looks for the CI deploy role, alongside the state read.)
  const getRole = calls('iam', 'GetRole').sort((a, b) => a.start - b.start).at(-1);
  assert.ok(getRole, 'the role is read');
  sentBeforeAnswer(one('iam', 'GetRolePolicy'), getRole);
  // The deployment the state records the stage at, along with the stage.
  sentBeforeAnswer(one('apigateway', 'GetDeployment'), one('apigateway', 'GetStage'));
  // The validation CNAME the state names, the aliases and the orphan search's look at the zone:
  // one listing of the zone, once the zone is known, not after the certificate.
  sentBeforeAnswer(one('route53', 'ListResourceRecordSets'), one('acm', 'DescribeCertificate'));
  // What the state records exists: its settings and tags are read along with its description.
  const describeTable = one('dynamodb', 'DescribeTable');
  for (const operation of ['DescribeTimeToLive', 'DescribeContinuousBackups', 'ListTagsOfResource']) sentBeforeAnswer(one('dynamodb', operation), describeTable);
  sentBeforeAnswer(one('ssm', 'ListTagsForResource'), one('ssm', 'DescribeParameters'));
  sentBeforeAnswer(one('logs', 'ListTagsForResource'), one('logs', 'DescribeLogGroups'));
  const headBucket = one('s3', 'HeadBucket');
  for (const operation of ['GetPublicAccessBlock', 'GetBucketOwnershipControls', 'GetBucketEncryption', 'GetBucketTagging']) sentBeforeAnswer(one('s3', operation), headBucket);
  // The site step's read of LIVE answers the edge function's too: a plan writes nothing.
  one('cloudfront', 'GetFunction');
  const cloudfrontTags = calls('cloudfront', 'ListTagsForResource');
  assert.equal(cloudfrontTags.length, 2, 'the distribution\'s tags and the function\'s');
  for (const tags of cloudfrontTags) {
    sentBeforeAnswer(tags, one('cloudfront', 'GetDistribution'));
    sentBeforeAnswer(tags, one('cloudfront', 'DescribeFunction'));
  }
  // The hosted zone, which the certificate's validation record and the aliases wait on, along with
  // the state (resume.example.com has none, so example.com is looked up next).
  const zoneLookups = calls('route53', 'ListHostedZonesByName').sort((a, b) => a.start - b.start);
  const stateRead = calls('s3', 'GetObject').sort((a, b) => a.start - b.start)[0];
  assert.ok(stateRead && zoneLookups.length === 2);
  sentBeforeAnswer(zoneLookups[0] as TimelineEntry, stateRead);
});

test('a plan\'s stack reads do not wait for the look-up of the CI deploy role, which most projects never made', async () => {
  // The deploy role's GetRole (and the counter role's, which nothing else waits on) answers a second late.
  const timeline = await delayedPlan((proxy) => proxy.setOperationLatency('iam', 'GetRole', 1000));
  const deployRoleLookUp = timeline.filter((entry) => entry.service === 'iam' && entry.operation === 'GetRole').sort((a, b) => a.start - b.start)[0];
  assert.ok(deployRoleLookUp, 'the deploy role is looked up');
  for (const [service, operation] of [['dynamodb', 'DescribeTable'], ['cloudfront', 'GetDistribution'], ['acm', 'DescribeCertificate'], ['lambda', 'GetFunction']]) {
    const read = timeline.find((entry) => entry.service === service && entry.operation === operation);
    assert.ok(read, `${service} ${operation} is read`);
    assert.ok(read.start < deployRoleLookUp.end, `${service} ${operation} was sent at ${read.start.toFixed(0)} ms, after the deploy role's answer at ${deployRoleLookUp.end.toFixed(0)} ms`);
  }
});

test('a plan\'s stack reads go out once the state is in, without waiting for STS to confirm the cached account', async () => {
  // The account remembered from the run before names the state bucket, so the state and then
  // every resource read are sent while GetCallerIdentity is still unanswered (a second late here).
  const timeline = await delayedPlan((proxy) => proxy.setOperationLatency('sts', 'GetCallerIdentity', 1000), { accountKnown: true });
  const sts = timeline.find((entry) => entry.service === 'sts' && entry.operation === 'GetCallerIdentity');
  assert.ok(sts, 'STS is asked for the account');
  for (const [service, operation] of [['dynamodb', 'DescribeTable'], ['cloudfront', 'GetDistribution'], ['acm', 'DescribeCertificate'], ['lambda', 'GetFunction'], ['apigateway', 'GetRestApi']]) {
    const read = timeline.find((entry) => entry.service === service && entry.operation === operation);
    assert.ok(read, `${service} ${operation} is read`);
    assert.ok(read.start < sts.end, `${service} ${operation} was sent at ${read.start.toFixed(0)} ms, after STS's answer at ${sts.end.toFixed(0)} ms`);
  }
});
