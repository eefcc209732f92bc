// The emulator's stand-in for what moto lacks (CloudFront Functions, custom response headers
// policies, FunctionAssociations), driven through the real SDK client as the tool drives AWS.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudFrontClient,
  CreateDistributionWithTagsCommand,
  CreateFunctionCommand,
  CreateResponseHeadersPolicyCommand,
  DeleteDistributionCommand,
  DeleteFunctionCommand,
  DeleteResponseHeadersPolicyCommand,
  DescribeFunctionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetFunctionCommand,
  GetResponseHeadersPolicyCommand,
  GetResponseHeadersPolicyConfigCommand,
  ListDistributionsCommand,
  ListFunctionsCommand,
  ListResponseHeadersPoliciesCommand,
  ListTagsForResourceCommand,
  PublishFunctionCommand,
  TagResourceCommand,
  TestFunctionCommand,
  UpdateDistributionCommand,
  UpdateFunctionCommand,
  UntagResourceCommand,
  UpdateResponseHeadersPolicyCommand,
  type DistributionConfig,
  type ResponseHeadersPolicyConfig,
} from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { viewerRequestEvent } from '../src/edge/runtime.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';

const emulator = await useEmulator();
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const cloudfront = new CloudFrontClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
beforeEach(() => emulator.reset());

const REWRITE = `function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}`;
const REDIRECT = `function handler(event) {
  console.log('redirecting ' + event.request.uri);
  return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: 'https://example.com' + event.request.uri } } };
}`;
const config = { Comment: 'edge', Runtime: 'cloudfront-js-2.0' as const };

async function createFunction(name: string, code = REWRITE): Promise<string> {
  const created = await cloudfront.send(new CreateFunctionCommand({ Name: name, FunctionConfig: config, FunctionCode: Buffer.from(code) }));
  assert.ok(created.ETag);
  return created.ETag;
}

async function publishedFunction(name: string): Promise<string> {
  const etag = await createFunction(name);
  const published = await cloudfront.send(new PublishFunctionCommand({ Name: name, IfMatch: etag }));
  return published.FunctionSummary?.FunctionMetadata?.FunctionARN ?? '';
}

/** The SDK error's name and HTTP status, to compare with what AWS answers. */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `${(error as Error).name} ${status}`;
  }
  return 'no error';
}

function distributionConfig(reference: string, behavior: { functionArn?: string; responseHeadersPolicyId?: string }): DistributionConfig {
  return {
    CallerReference: reference,
    Comment: 'stand-in test',
    Enabled: true,
    Origins: { Quantity: 1, Items: [{ Id: 'site', DomainName: 'site.s3.us-east-1.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: '' } }] },
    DefaultCacheBehavior: {
      TargetOriginId: 'site',
      ViewerProtocolPolicy: 'redirect-to-https',
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
      ResponseHeadersPolicyId: behavior.responseHeadersPolicyId,
      FunctionAssociations:
        behavior.functionArn === undefined ? { Quantity: 0 } : { Quantity: 1, Items: [{ FunctionARN: behavior.functionArn, EventType: 'viewer-request' }] },
    },
  };
}

async function createDistribution(reference: string, behavior: { functionArn?: string; responseHeadersPolicyId?: string }) {
  return cloudfront.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: distributionConfig(reference, behavior), Tags: { Items: [{ Key: 'resume-infra:project', Value: 'standin' }] } } }));
}

test('a function is created in DEVELOPMENT only, and publishing copies it to LIVE', async () => {
  const etag = await createFunction('site-edge');
  const development = await cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge' }));
  assert.equal(development.ETag, etag);
  assert.equal(development.FunctionSummary?.Status, 'UNPUBLISHED');
  assert.equal(development.FunctionSummary?.FunctionMetadata?.Stage, 'DEVELOPMENT');
  assert.equal(development.FunctionSummary?.FunctionMetadata?.FunctionARN, `arn:aws:cloudfront::${ACCOUNT}:function/site-edge`);
  assert.deepEqual(development.FunctionSummary?.FunctionConfig, { Comment: 'edge', Runtime: 'cloudfront-js-2.0' });
  assert.ok(development.FunctionSummary?.FunctionMetadata?.LastModifiedTime instanceof Date);
  assert.equal(await failure(cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge', Stage: 'LIVE' }))), 'NoSuchFunctionExists 404');

  const code = await cloudfront.send(new GetFunctionCommand({ Name: 'site-edge', Stage: 'DEVELOPMENT' }));
  assert.equal(Buffer.from(code.FunctionCode ?? []).toString('utf8'), REWRITE);
  assert.equal(code.ETag, etag);
  assert.equal(code.ContentType, 'application/octet-stream');

  const published = await cloudfront.send(new PublishFunctionCommand({ Name: 'site-edge', IfMatch: etag }));
  assert.equal(published.FunctionSummary?.FunctionMetadata?.Stage, 'LIVE');
  assert.equal(published.FunctionSummary?.Status, 'UNASSOCIATED');
  const live = await cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge', Stage: 'LIVE' }));
  assert.ok(live.ETag);

  const updated = await cloudfront.send(new UpdateFunctionCommand({ Name: 'site-edge', IfMatch: etag, FunctionConfig: config, FunctionCode: Buffer.from(REDIRECT) }));
  assert.ok(updated.ETag, 'the SDK reads the new ETag of UpdateFunction');
  assert.notEqual(updated.ETag, etag);
  assert.equal(updated.FunctionSummary?.Status, 'UNPUBLISHED');
  const liveCode = await cloudfront.send(new GetFunctionCommand({ Name: 'site-edge', Stage: 'LIVE' }));
  const developmentCode = await cloudfront.send(new GetFunctionCommand({ Name: 'site-edge', Stage: 'DEVELOPMENT' }));
  assert.equal(Buffer.from(liveCode.FunctionCode ?? []).toString('utf8'), REWRITE, 'LIVE keeps the published code');
  assert.equal(Buffer.from(developmentCode.FunctionCode ?? []).toString('utf8'), REDIRECT);
  assert.equal(liveCode.ETag, live.ETag, 'an update leaves the LIVE ETag alone');

  await cloudfront.send(new PublishFunctionCommand({ Name: 'site-edge', IfMatch: updated.ETag }));
  const republished = await cloudfront.send(new GetFunctionCommand({ Name: 'site-edge', Stage: 'LIVE' }));
  assert.equal(Buffer.from(republished.FunctionCode ?? []).toString('utf8'), REDIRECT);
  assert.notEqual(republished.ETag, live.ETag, 'a publish gives LIVE a new ETag');
});

test('publishing a DEVELOPMENT stage that is already LIVE is refused, as AWS refuses it', async () => {
  const etag = await createFunction('site-edge');
  await cloudfront.send(new PublishFunctionCommand({ Name: 'site-edge', IfMatch: etag }));
  assert.equal((await cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge' }))).ETag, etag, 'publishing leaves the DEVELOPMENT ETag alone');
  assert.equal(await failure(cloudfront.send(new PublishFunctionCommand({ Name: 'site-edge', IfMatch: etag }))), 'PreconditionFailed 412');
});

test('a function carries the tags it was created with, and the tagging calls change them', async () => {
  await cloudfront.send(new CreateFunctionCommand({ Name: 'site-edge', FunctionConfig: config, FunctionCode: Buffer.from(REWRITE), Tags: { Items: [{ Key: 'resume-infra:project', Value: 'jane' }] } }));
  const arn = `arn:aws:cloudfront::${ACCOUNT}:function/site-edge`;
  const tags = async () => (await cloudfront.send(new ListTagsForResourceCommand({ Resource: arn }))).Tags?.Items?.map((tag) => `${tag.Key}=${tag.Value}`);
  assert.deepEqual(await tags(), ['resume-infra:project=jane']);
  await cloudfront.send(new TagResourceCommand({ Resource: arn, Tags: { Items: [{ Key: 'owner', Value: 'jane' }] } }));
  await cloudfront.send(new UntagResourceCommand({ Resource: arn, TagKeys: { Items: ['resume-infra:project'] } }));
  assert.deepEqual(await tags(), ['owner=jane']);
  assert.equal(await failure(cloudfront.send(new ListTagsForResourceCommand({ Resource: `arn:aws:cloudfront::${ACCOUNT}:function/missing` }))), 'NoSuchResource 404');
  const distribution = await createDistribution('ref-tags', {});
  const distributionTags = await cloudfront.send(new ListTagsForResourceCommand({ Resource: distribution.Distribution?.ARN }));
  assert.deepEqual(distributionTags.Tags?.Items?.map((tag) => tag.Key), ['resume-infra:project'], "a distribution's tags still come from moto");
});

test('ListFunctions lists each stage of each function and filters by Stage', async () => {
  await publishedFunction('alpha');
  await createFunction('beta');
  const all = await cloudfront.send(new ListFunctionsCommand({}));
  assert.deepEqual(all.FunctionList?.Items?.map((item) => `${item.Name}:${item.FunctionMetadata?.Stage}`), ['alpha:DEVELOPMENT', 'alpha:LIVE', 'beta:DEVELOPMENT']);
  const live = await cloudfront.send(new ListFunctionsCommand({ Stage: 'LIVE' }));
  assert.deepEqual(live.FunctionList?.Items?.map((item) => item.Name), ['alpha']);
  assert.equal(live.FunctionList?.Quantity, 1);
  const firstPage = await cloudfront.send(new ListFunctionsCommand({ MaxItems: 2 }));
  assert.equal(firstPage.FunctionList?.Items?.length, 2);
  const secondPage = await cloudfront.send(new ListFunctionsCommand({ MaxItems: 2, Marker: firstPage.FunctionList?.NextMarker }));
  assert.deepEqual(secondPage.FunctionList?.Items?.map((item) => item.Name), ['beta']);
  assert.equal(secondPage.FunctionList?.NextMarker, undefined);
});

test('a stale, missing or wrong IfMatch is refused, as are a duplicate name and a missing function', async () => {
  const etag = await createFunction('site-edge');
  const updated = await cloudfront.send(new UpdateFunctionCommand({ Name: 'site-edge', IfMatch: etag, FunctionConfig: config, FunctionCode: Buffer.from(REDIRECT) }));
  const update = (ifMatch: string | undefined) => cloudfront.send(new UpdateFunctionCommand({ Name: 'site-edge', IfMatch: ifMatch, FunctionConfig: config, FunctionCode: Buffer.from(REWRITE) }));
  assert.equal(await failure(update(etag)), 'PreconditionFailed 412');
  assert.equal(await failure(update(undefined)), 'InvalidIfMatchVersion 400');
  assert.equal(await failure(cloudfront.send(new PublishFunctionCommand({ Name: 'site-edge', IfMatch: etag }))), 'PreconditionFailed 412');
  assert.equal(await failure(cloudfront.send(new DeleteFunctionCommand({ Name: 'site-edge', IfMatch: etag }))), 'PreconditionFailed 412');
  assert.equal(await failure(createFunction('site-edge')), 'FunctionAlreadyExists 409');
  assert.equal(await failure(cloudfront.send(new DescribeFunctionCommand({ Name: 'nope' }))), 'NoSuchFunctionExists 404');
  assert.equal(await failure(cloudfront.send(new DeleteFunctionCommand({ Name: 'nope', IfMatch: etag }))), 'NoSuchFunctionExists 404');
  await cloudfront.send(new DeleteFunctionCommand({ Name: 'site-edge', IfMatch: updated.ETag }));
  assert.equal(await failure(cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge' }))), 'NoSuchFunctionExists 404');
});

test('code over 10,240 bytes is refused with FunctionSizeLimitExceeded, and code that does not compile with InvalidArgument', async () => {
  const padded = (size: number) => `${REWRITE}\n//${'x'.repeat(size - REWRITE.length - 3)}`;
  assert.equal(Buffer.byteLength(padded(10_240)), 10_240);
  await createFunction('at-limit', padded(10_240));
  assert.equal(await failure(createFunction('over-limit', padded(10_241))), 'FunctionSizeLimitExceeded 413');
  const etag = (await cloudfront.send(new DescribeFunctionCommand({ Name: 'at-limit' }))).ETag;
  assert.equal(await failure(cloudfront.send(new UpdateFunctionCommand({ Name: 'at-limit', IfMatch: etag, FunctionConfig: config, FunctionCode: Buffer.from(padded(10_241)) }))), 'FunctionSizeLimitExceeded 413');
  assert.equal(await failure(createFunction('broken', 'function handler(event) {')), 'InvalidArgument 400');
});

test('TestFunction runs the code of the stage asked for with the given event', async () => {
  const etag = await createFunction('site-edge');
  await cloudfront.send(new PublishFunctionCommand({ Name: 'site-edge', IfMatch: etag }));
  const updated = await cloudfront.send(new UpdateFunctionCommand({ Name: 'site-edge', IfMatch: etag, FunctionConfig: config, FunctionCode: Buffer.from(REDIRECT) }));
  const liveEtag = (await cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge', Stage: 'LIVE' }))).ETag;
  const event = Buffer.from(JSON.stringify(viewerRequestEvent({ uri: '/about/', headers: { host: 'www.example.com' } })));

  const live = await cloudfront.send(new TestFunctionCommand({ Name: 'site-edge', IfMatch: liveEtag, Stage: 'LIVE', EventObject: event }));
  assert.equal(live.TestResult?.FunctionErrorMessage, undefined);
  assert.equal(live.TestResult?.FunctionSummary?.FunctionMetadata?.Stage, 'LIVE');
  const liveOutput = JSON.parse(live.TestResult?.FunctionOutput ?? '{}') as { request?: { uri: string; headers: Record<string, { value: string }> } };
  assert.equal(liveOutput.request?.uri, '/about/index.html');
  assert.deepEqual(liveOutput.request?.headers, { host: { value: 'www.example.com' } });
  assert.match(live.TestResult?.ComputeUtilization ?? '', /^\d+$/);

  const development = await cloudfront.send(new TestFunctionCommand({ Name: 'site-edge', IfMatch: updated.ETag, Stage: 'DEVELOPMENT', EventObject: event }));
  const developmentOutput = JSON.parse(development.TestResult?.FunctionOutput ?? '{}') as { response?: { statusCode: number; headers: Record<string, { value: string }> } };
  assert.equal(developmentOutput.response?.statusCode, 301);
  assert.equal(developmentOutput.response?.headers.location?.value, 'https://example.com/about/');
  assert.deepEqual(development.TestResult?.FunctionExecutionLogs, ['redirecting /about/']);

  assert.equal(await failure(cloudfront.send(new TestFunctionCommand({ Name: 'site-edge', IfMatch: etag, Stage: 'DEVELOPMENT', EventObject: event }))), 'PreconditionFailed 412');
});

test('TestFunction reports an error thrown by the code in FunctionErrorMessage', async () => {
  const etag = await createFunction('thrower', 'function handler(event) { throw new Error("no route for " + event.request.uri); }');
  const result = await cloudfront.send(new TestFunctionCommand({ Name: 'thrower', IfMatch: etag, EventObject: Buffer.from(JSON.stringify(viewerRequestEvent({ uri: '/x' }))) }));
  assert.equal(result.TestResult?.FunctionErrorMessage, 'no route for /x');
  assert.equal(result.TestResult?.FunctionOutput, '');
});

test('a function association survives GetDistributionConfig and UpdateDistribution round trips, and a function in use cannot be deleted', async () => {
  const arn = await publishedFunction('site-edge');
  const created = await createDistribution('ref-1', { functionArn: arn });
  const id = created.Distribution?.Id ?? '';
  const expected = { Quantity: 1, Items: [{ FunctionARN: arn, EventType: 'viewer-request' }] };
  assert.deepEqual(created.Distribution?.DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations, expected);
  assert.deepEqual((await cloudfront.send(new GetDistributionCommand({ Id: id }))).Distribution?.DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations, expected);
  assert.equal((await cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge', Stage: 'LIVE' }))).FunctionSummary?.Status, 'DEPLOYED');

  // GIVEN the config as AWS returns it, WHEN it is sent back with an unrelated change, THEN the association stays.
  const current = await cloudfront.send(new GetDistributionConfigCommand({ Id: id }));
  assert.deepEqual(current.DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations, expected);
  const updated = await cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: { ...current.DistributionConfig, Comment: 'changed' } as DistributionConfig }));
  assert.equal(updated.Distribution?.DistributionConfig?.Comment, 'changed');
  assert.deepEqual(updated.Distribution?.DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations, expected);
  const listed = await cloudfront.send(new ListDistributionsCommand({}));
  assert.deepEqual(listed.DistributionList?.Items?.find((summary) => summary.Id === id)?.DefaultCacheBehavior?.FunctionAssociations, expected);

  const etag = (await cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge' }))).ETag;
  assert.equal(await failure(cloudfront.send(new DeleteFunctionCommand({ Name: 'site-edge', IfMatch: etag }))), 'FunctionInUse 409');

  // Removing the association frees the function.
  const again = await cloudfront.send(new GetDistributionConfigCommand({ Id: id }));
  const config = again.DistributionConfig as DistributionConfig;
  await cloudfront.send(new UpdateDistributionCommand({ Id: id, IfMatch: again.ETag, DistributionConfig: { ...config, DefaultCacheBehavior: { ...config.DefaultCacheBehavior, FunctionAssociations: { Quantity: 0 } } } as DistributionConfig }));
  assert.deepEqual((await cloudfront.send(new GetDistributionConfigCommand({ Id: id }))).DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations, { Quantity: 0 });
  await cloudfront.send(new DeleteFunctionCommand({ Name: 'site-edge', IfMatch: etag }));
});

test('associations on path cache behaviors are kept per PathPattern', async () => {
  const arn = await publishedFunction('site-edge');
  const base = distributionConfig('ref-paths', {});
  const behavior = (pathPattern: string, functionArn: string | undefined) => ({
    PathPattern: pathPattern,
    TargetOriginId: 'site',
    ViewerProtocolPolicy: 'https-only' as const,
    CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    FunctionAssociations: functionArn === undefined ? { Quantity: 0 } : { Quantity: 1, Items: [{ FunctionARN: functionArn, EventType: 'viewer-request' as const }] },
  });
  const created = await cloudfront.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: { ...base, CacheBehaviors: { Quantity: 2, Items: [behavior('/blog/*', arn), behavior('/api/*', undefined)] } }, Tags: { Items: [] } } }));
  const read = await cloudfront.send(new GetDistributionConfigCommand({ Id: created.Distribution?.Id }));
  const byPath = Object.fromEntries((read.DistributionConfig?.CacheBehaviors?.Items ?? []).map((item) => [item.PathPattern, item.FunctionAssociations?.Quantity]));
  assert.deepEqual(byPath, { '/blog/*': 1, '/api/*': 0 });
  assert.deepEqual(read.DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations, { Quantity: 0 });
  const etag = (await cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge' }))).ETag;
  assert.equal(await failure(cloudfront.send(new DeleteFunctionCommand({ Name: 'site-edge', IfMatch: etag }))), 'FunctionInUse 409');
});

test('a distribution is refused a function that does not exist or is not published', async () => {
  assert.equal(await failure(createDistribution('ref-missing', { functionArn: `arn:aws:cloudfront::${ACCOUNT}:function/missing` })), 'NoSuchFunctionExists 404');
  await createFunction('draft');
  assert.equal(await failure(createDistribution('ref-draft', { functionArn: `arn:aws:cloudfront::${ACCOUNT}:function/draft` })), 'InvalidFunctionAssociation 400');
  const wrongQuantity = distributionConfig('ref-quantity', {});
  wrongQuantity.DefaultCacheBehavior = { ...wrongQuantity.DefaultCacheBehavior, TargetOriginId: 'site', ViewerProtocolPolicy: 'redirect-to-https', FunctionAssociations: { Quantity: 2, Items: [] } };
  assert.equal(await failure(cloudfront.send(new CreateDistributionWithTagsCommand({ DistributionConfigWithTags: { DistributionConfig: wrongQuantity, Tags: { Items: [] } } }))), 'InvalidArgument 400');
  const list = await cloudfront.send(new ListDistributionsCommand({}));
  assert.equal(list.DistributionList?.Quantity ?? 0, 0, 'nothing reached moto');
});

test('deleting a distribution frees its function', async () => {
  const arn = await publishedFunction('site-edge');
  const created = await createDistribution('ref-del', { functionArn: arn });
  await cloudfront.send(new DeleteDistributionCommand({ Id: created.Distribution?.Id, IfMatch: created.ETag }));
  const etag = (await cloudfront.send(new DescribeFunctionCommand({ Name: 'site-edge' }))).ETag;
  await cloudfront.send(new DeleteFunctionCommand({ Name: 'site-edge', IfMatch: etag }));
  assert.equal((await cloudfront.send(new ListFunctionsCommand({}))).FunctionList?.Quantity, 0);
});

test('a reset through the stand-in clears its functions and policies and moto together', async () => {
  await publishedFunction('site-edge');
  await cloudfront.send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: { Name: 'site-headers' } }));
  await createDistribution('ref-reset', {});
  await emulator.reset();
  assert.equal((await cloudfront.send(new ListFunctionsCommand({}))).FunctionList?.Quantity, 0);
  assert.equal((await cloudfront.send(new ListResponseHeadersPoliciesCommand({ Type: 'custom' }))).ResponseHeadersPolicyList?.Quantity, 0);
  assert.equal((await cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Quantity ?? 0, 0);
  await createFunction('site-edge');
});

const POLICY: ResponseHeadersPolicyConfig = {
  Name: 'site-headers',
  Comment: 'strict',
  SecurityHeadersConfig: {
    StrictTransportSecurity: { Override: true, AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Preload: false },
    ContentSecurityPolicy: { Override: true, ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:" },
    ContentTypeOptions: { Override: true },
    FrameOptions: { Override: true, FrameOption: 'DENY' },
    ReferrerPolicy: { Override: true, ReferrerPolicy: 'strict-origin-when-cross-origin' },
  },
  CustomHeadersConfig: { Quantity: 1, Items: [{ Header: 'Permissions-Policy', Value: 'camera=(), microphone=()', Override: true }] },
  ServerTimingHeadersConfig: { Enabled: false },
};

test('a custom response headers policy round-trips its config, and IfMatch guards its update and delete', async () => {
  const created = await cloudfront.send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: POLICY }));
  const id = created.ResponseHeadersPolicy?.Id ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.ok(created.ETag);
  assert.deepEqual(created.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig, POLICY);
  const read = await cloudfront.send(new GetResponseHeadersPolicyCommand({ Id: id }));
  assert.deepEqual(read.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig, POLICY);
  assert.equal(read.ETag, created.ETag);
  assert.deepEqual((await cloudfront.send(new GetResponseHeadersPolicyConfigCommand({ Id: id }))).ResponseHeadersPolicyConfig, POLICY);
  assert.equal(await failure(cloudfront.send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: { ...POLICY, Comment: 'other' } }))), 'ResponseHeadersPolicyAlreadyExists 409');
  const miscounted = { ...POLICY, Name: 'miscounted', CustomHeadersConfig: { Quantity: 2, Items: POLICY.CustomHeadersConfig?.Items } };
  assert.equal(await failure(cloudfront.send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: miscounted }))), 'InvalidArgument 400');
  const longCsp = { ...POLICY, Name: 'long-csp', SecurityHeadersConfig: { ...POLICY.SecurityHeadersConfig, ContentSecurityPolicy: { Override: true, ContentSecurityPolicy: `default-src 'self' ${'a'.repeat(1800)}` } } };
  assert.equal(await failure(cloudfront.send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: longCsp }))), 'TooLongCSPInResponseHeadersPolicy 400');

  const changed = { ...POLICY, Comment: 'changed' };
  const updated = await cloudfront.send(new UpdateResponseHeadersPolicyCommand({ Id: id, IfMatch: created.ETag, ResponseHeadersPolicyConfig: changed }));
  assert.notEqual(updated.ETag, created.ETag);
  assert.equal(updated.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig?.Comment, 'changed');
  assert.equal(await failure(cloudfront.send(new UpdateResponseHeadersPolicyCommand({ Id: id, IfMatch: created.ETag, ResponseHeadersPolicyConfig: POLICY }))), 'PreconditionFailed 412');

  const custom = await cloudfront.send(new ListResponseHeadersPoliciesCommand({ Type: 'custom' }));
  assert.deepEqual(custom.ResponseHeadersPolicyList?.Items?.map((item) => [item.Type, item.ResponseHeadersPolicy?.Id, item.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig?.Name]), [['custom', id, 'site-headers']]);

  assert.equal(await failure(cloudfront.send(new DeleteResponseHeadersPolicyCommand({ Id: id, IfMatch: created.ETag }))), 'PreconditionFailed 412');
  await cloudfront.send(new DeleteResponseHeadersPolicyCommand({ Id: id, IfMatch: updated.ETag }));
  assert.equal(await failure(cloudfront.send(new GetResponseHeadersPolicyCommand({ Id: id }))), 'NoSuchResponseHeadersPolicy 404');
});

test('a response headers policy used by a distribution cannot be deleted; unknown ids are refused and managed ids accepted', async () => {
  const created = await cloudfront.send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: POLICY }));
  const id = created.ResponseHeadersPolicy?.Id ?? '';
  const distribution = await createDistribution('ref-policy', { responseHeadersPolicyId: id });
  assert.equal(distribution.Distribution?.DistributionConfig?.DefaultCacheBehavior?.ResponseHeadersPolicyId, id);
  assert.equal(await failure(cloudfront.send(new DeleteResponseHeadersPolicyCommand({ Id: id, IfMatch: created.ETag }))), 'ResponseHeadersPolicyInUse 409');
  assert.equal(await failure(createDistribution('ref-unknown', { responseHeadersPolicyId: '00000000-0000-0000-0000-000000000000' })), 'NoSuchResponseHeadersPolicy 404');
  const managed = await createDistribution('ref-managed', { responseHeadersPolicyId: '67f7725c-6f97-4210-82d7-5512b31e9d03' });
  assert.equal(managed.Distribution?.DistributionConfig?.DefaultCacheBehavior?.ResponseHeadersPolicyId, '67f7725c-6f97-4210-82d7-5512b31e9d03');
});

test('every other request reaches moto unchanged through the stand-in, and moto alone has no functions API', async () => {
  const s3 = new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: '2020-05-31' }));
  const body = Buffer.from(Array.from({ length: 300_000 }, (_, index) => index % 251));
  await s3.send(new PutObjectCommand({ Bucket: '2020-05-31', Key: 'function', Body: body }));
  const read = await s3.send(new GetObjectCommand({ Bucket: '2020-05-31', Key: 'function' }));
  assert.ok(Buffer.from(await (read.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))).equals(body));
  const motoOnly = new CloudFrontClient({ endpoint: emulator.motoEndpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  assert.notEqual(await failure(motoOnly.send(new ListFunctionsCommand({}))), 'no error');
});
