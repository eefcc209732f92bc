// src/resources/distribution.ts: the CloudFront distribution without a domain, and the delivery stack around it
// (plan, a second up, drift, lost state, destroy), against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GetDistributionCommand, ListResponseHeadersPoliciesCommand, ListTagsForResourceCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { DeleteBucketPolicyCommand, DeleteObjectCommand, DeletePublicAccessBlockCommand, GetPublicAccessBlockCommand, ListBucketsCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { Aws } from '../src/aws/clients.ts';
import { deriveNames, parseConfig, projectTags } from '../src/config.ts';
import type { ResourceContext } from '../src/engine/types.ts';
import { buildConfig, CACHING_OPTIMIZED_POLICY_ID, distribution } from '../src/resources/distribution.ts';
import { ACCOUNT } from './helpers/emulator.ts';
import { makeProject, resourceMutations } from './helpers/cli.ts';
import { emulator, region, s3, cloudfront, PROJECT, SITE_BUCKET, STATE_BUCKET, STATE_KEY, SITE_FILES, project, upOk, distributionIds, onlyDistribution, oacsNamed, bucketPolicyStatements } from './helpers/cdn-stack.ts';

describe('plan', () => {
  test('plan on an empty account lists the bucket, its policy, the OAC and the distribution as creates, and no certificate or records', async () => {
    const result = await project.run('plan', '--json');
    assert.equal(result.code, 2, result.stdout + result.stderr);
    const changes = (JSON.parse(result.stdout) as { changes: Array<{ resource: string; action: string }> }).changes;
    const creates = changes.filter((change) => change.action === 'create').map((change) => change.resource);
    for (const name of ['siteBucket', 'oac', 'distribution', 'bucketPolicy']) assert.ok(creates.includes(name), `${name} in ${creates.join(',')}`);
    assert.ok(!changes.some((change) => change.resource === 'certificate' || change.resource === 'dnsRecords'));
    assert.deepEqual(result.calls.filter((call) => call.mutating), []);
  });
});

describe('up without a domain', () => {
  test('the distribution serves the bucket over HTTPS with the managed cache policy, the project\'s headers policy, index.html and the 404 page', async () => {
    const result = await project.run('up', '--json');
    assert.equal(result.code, 0, result.stderr);
    const { id, arn, domainName, config } = await onlyDistribution();
    assert.equal(config.Enabled, true);
    assert.equal(config.DefaultRootObject, 'index.html');
    assert.equal(config.HttpVersion, 'http2and3');
    assert.equal(config.IsIPV6Enabled, true);
    assert.equal(config.PriceClass, 'PriceClass_100');
    assert.deepEqual(config.Origins?.Items?.map((origin) => origin.DomainName), [`${SITE_BUCKET}.s3.${region}.amazonaws.com`]);
    const behavior = config.DefaultCacheBehavior;
    assert.equal(behavior?.TargetOriginId, config.Origins?.Items?.[0]?.Id);
    assert.equal(behavior?.ViewerProtocolPolicy, 'redirect-to-https');
    assert.equal(behavior?.Compress, true);
    assert.equal(behavior?.CachePolicyId, '658327ea-f89d-4fab-a63d-7e88639e58f6');
    const policies = (await cloudfront.send(new ListResponseHeadersPoliciesCommand({ Type: 'custom' }))).ResponseHeadersPolicyList?.Items ?? [];
    const own = policies.find((item) => item.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig?.Name === `${PROJECT}-headers`)?.ResponseHeadersPolicy?.Id;
    assert.ok(own, 'the project has its own response headers policy');
    assert.equal(behavior?.ResponseHeadersPolicyId, own);
    assert.deepEqual(behavior?.AllowedMethods?.Items, ['GET', 'HEAD']);
    const errors = (config.CustomErrorResponses?.Items ?? []).map((item) => [item.ErrorCode, item.ResponsePagePath, item.ResponseCode]);
    assert.deepEqual(errors, [[403, '/404.html', '404'], [404, '/404.html', '404']]);
    assert.equal(config.ViewerCertificate?.CloudFrontDefaultCertificate, true);
    assert.equal(config.Aliases?.Quantity ?? 0, 0);
    const tags = (await cloudfront.send(new ListTagsForResourceCommand({ Resource: arn }))).Tags?.Items ?? [];
    assert.ok(tags.some((tag) => tag.Key === 'resume-infra:project' && tag.Value === PROJECT), JSON.stringify(tags));
    assert.ok(tags.some((tag) => tag.Key === 'owner' && tag.Value === 'jane'), JSON.stringify(tags));

    const outputs = (JSON.parse(result.stdout) as { outputs: Record<string, string> }).outputs;
    assert.equal(outputs.siteUrl, `https://${domainName}`);
    assert.equal(outputs.cloudfrontDomain, domainName);
    assert.equal(outputs.distributionId, id);
  });

  test('the distribution request puts the OAC on the S3 origin with an empty origin access identity', async () => {
    // moto drops OriginAccessControlId and S3OriginConfig from what it stores, so the request itself is checked.
    const config = parseConfig({ project: PROJECT, region }, 'test', '/tmp');
    const ctx: ResourceContext = {
      config,
      names: deriveNames(config, ACCOUNT, region),
      aws: new Aws({ region }),
      tags: projectTags(config),
      mode: 'apply',
      output: (name, key) => (name === 'oac' && key === 'oacId' ? 'E2OACEXAMPLE' : `${name}.${key}`),
      note: () => undefined,
    };
    const desired = await distribution.desired(ctx);
    const origin = buildConfig(desired).Origins?.Items?.[0];
    assert.equal(origin?.OriginAccessControlId, 'E2OACEXAMPLE');
    assert.deepEqual(origin?.S3OriginConfig, { OriginAccessIdentity: '' });
    assert.equal(origin?.DomainName, `${SITE_BUCKET}.s3.${region}.amazonaws.com`);
    assert.equal(buildConfig(desired).DefaultCacheBehavior?.CachePolicyId, CACHING_OPTIMIZED_POLICY_ID);
    // The project's own policy (src/resources/headers-policy.ts), not the managed SecurityHeadersPolicy.
    assert.equal(buildConfig(desired).DefaultCacheBehavior?.ResponseHeadersPolicyId, 'headersPolicy.responseHeadersPolicyId');
  });

  test('a second up makes no mutating calls besides the lock, and plan then exits 0', async () => {
    await upOk();
    const second = await upOk();
    assert.deepEqual(resourceMutations(second.calls).map((call) => `${call.service}.${call.operation} ${call.target ?? ''}`), []);
    const plan = await project.run('plan');
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.deepEqual(plan.calls.filter((call) => call.mutating), []);
  });
});

describe('updates', () => {
  test('a new price class is planned as an update and applied to the same distribution', async () => {
    await upOk();
    const before = await onlyDistribution();
    const changed = await makeProject(emulator.endpoint, { project: PROJECT, region, tags: { owner: 'jane' }, cdn: { priceClass: 'PriceClass_All' } }, SITE_FILES);
    const plan = await changed.run('plan', '--json');
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    const document = JSON.parse(plan.stdout) as { changes: Array<{ resource: string; action: string; changes: Array<{ field: string; from: unknown; to: unknown }> }> };
    const change = document.changes.find((entry) => entry.resource === 'distribution');
    assert.equal(change?.action, 'update');
    assert.deepEqual(change?.changes, [{ field: 'priceClass', from: 'PriceClass_100', to: 'PriceClass_All' }]);

    const up = await upOk(changed);
    assert.ok(up.calls.some((call) => call.operation === 'UpdateDistribution'));
    assert.ok(!up.calls.some((call) => call.operation.startsWith('CreateDistribution')));
    const after = await onlyDistribution();
    assert.equal(after.id, before.id);
    assert.equal(after.config.PriceClass, 'PriceClass_All');
    assert.equal(after.config.DefaultRootObject, 'index.html', 'the other settings are kept');
    assert.equal((await changed.run('plan')).code, 0);
  });

  test('drift in the bucket, its policy and the distribution is shown by plan and repaired by up', async () => {
    await upOk();
    const { id, config, etag } = await onlyDistribution();
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: SITE_BUCKET }));
    const foreign = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${SITE_BUCKET}/*` }] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: SITE_BUCKET, Policy: JSON.stringify(foreign) }));
    await cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: { ...config, DefaultRootObject: 'other.html', IsIPV6Enabled: false } }));

    const plan = await project.run('plan', '--json');
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    const document = JSON.parse(plan.stdout) as { changes: Array<{ resource: string; action: string; changes: Array<{ field: string }> }> };
    const fields = (resource: string) => document.changes.find((entry) => entry.resource === resource)?.changes.map((entry) => entry.field) ?? [];
    assert.deepEqual(fields('siteBucket'), ['publicAccessBlock.BlockPublicAcls', 'publicAccessBlock.IgnorePublicAcls', 'publicAccessBlock.BlockPublicPolicy', 'publicAccessBlock.RestrictPublicBuckets']);
    assert.deepEqual(fields('bucketPolicy'), ['policy']);
    assert.deepEqual(fields('distribution').sort(), ['defaultRootObject', 'ipv6']);

    await upOk();
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: SITE_BUCKET }));
    assert.equal(block.PublicAccessBlockConfiguration?.RestrictPublicBuckets, true);
    assert.equal((await bucketPolicyStatements()).length, 2);
    const repaired = await onlyDistribution();
    assert.equal(repaired.id, id);
    assert.equal(repaired.config.DefaultRootObject, 'index.html');
    assert.equal(repaired.config.IsIPV6Enabled, true);
    assert.equal((await project.run('plan')).code, 0);
  });
});

describe('lost state', () => {
  test('with the state object deleted, up adopts the bucket, the OAC and the distribution and duplicates nothing', async () => {
    await upOk();
    const before = await onlyDistribution();
    await s3.send(new DeleteObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY }));
    const again = await upOk();
    const creates = again.calls.filter((call) => /^Create/.test(call.operation) && call.service !== 'S3');
    assert.deepEqual(creates.map((call) => `${call.service}.${call.operation}`), []);
    assert.deepEqual(await distributionIds(), [before.id]);
    assert.equal((await oacsNamed(`${PROJECT}-oac`)).length, 1);
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(buckets.map((bucket) => bucket.Name).filter((name) => name?.startsWith(PROJECT)), [SITE_BUCKET]);
  });
});

describe('destroy', () => {
  test('up does not wait for the deployment, and destroy disables, waits until Deployed, then deletes', async () => {
    // A new distribution stays InProgress for 6 s instead of turning Deployed on the next read.
    // (moto keeps Deployed through UpdateDistribution, so the slow deployment must start at create.)
    const transition = { model_name: 'cloudfront::distribution', transition: { progression: 'time', seconds: 6 } };
    await fetch(`${emulator.endpoint}/moto-api/state-manager/set-transition`, { method: 'POST', body: JSON.stringify(transition) });
    try {
      await upOk();
      const { id } = await onlyDistribution();
      assert.equal((await cloudfront.send(new GetDistributionCommand({ Id: id }))).Distribution?.Status, 'InProgress', 'up returned before the deployment finished');
      const result = await project.run('destroy', '--yes');
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const cloudfrontCalls = result.calls.filter((call) => call.service === 'CloudFront').map((call) => call.operation);
      const disable = cloudfrontCalls.indexOf('UpdateDistribution');
      const remove = cloudfrontCalls.indexOf('DeleteDistribution');
      assert.ok(disable >= 0 && remove > disable, cloudfrontCalls.join(','));
      const polls = cloudfrontCalls.slice(disable, remove).filter((operation) => operation === 'GetDistribution').length;
      assert.ok(polls >= 2, `waited for Deployed (${polls} polls): ${cloudfrontCalls.join(',')}`);
      assert.match(result.stderr, /waiting for CloudFront to deploy the disabled distribution/);
      assert.deepEqual(await distributionIds(), []);
    } finally {
      await fetch(`${emulator.endpoint}/moto-api/state-manager/unset-transition`, { method: 'POST', body: JSON.stringify({ model_name: 'cloudfront::distribution' }) });
    }
  });

  test('destroy leaves no site bucket, distribution or OAC, and a second destroy succeeds', async () => {
    await upOk();
    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(await distributionIds(), []);
    assert.deepEqual(await oacsNamed(`${PROJECT}-oac`), []);
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(buckets.map((bucket) => bucket.Name), [STATE_BUCKET]);
    const again = await project.run('destroy', '--yes');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /Nothing to destroy/);
  });

  test('a destroy interrupted after the distribution was disabled finishes when run again', async () => {
    await upOk();
    const { id, config, etag } = await onlyDistribution();
    // What an interrupted destroy leaves: the bucket policy gone, the distribution disabled.
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: SITE_BUCKET }));
    await cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: etag, DistributionConfig: { ...config, Enabled: false } }));
    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const operations = result.calls.filter((call) => call.service === 'CloudFront').map((call) => call.operation);
    assert.ok(!operations.includes('UpdateDistribution'), `already disabled, so not updated again: ${operations.join(',')}`);
    assert.ok(operations.includes('DeleteDistribution'));
    assert.deepEqual(await distributionIds(), []);
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(buckets.map((bucket) => bucket.Name), [STATE_BUCKET]);
  });
});
