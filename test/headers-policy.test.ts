// The project's response headers policy on the emulator (moto behind the stand-in): its exact
// values, the distribution using it, adoption by name, drift repair, a CSP extension, and destroy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateResponseHeadersPolicyCommand, GetResponseHeadersPolicyCommand, ListResponseHeadersPoliciesCommand, UpdateResponseHeadersPolicyCommand,
  type ResponseHeadersPolicyConfig,
} from '@aws-sdk/client-cloudfront';
import { APIGatewayClient, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { parseConfig } from '../src/config.ts';
import { responseHeadersPolicyConfig } from '../src/edge/security-headers.ts';
import { makeProject } from './helpers/cli.ts';
import { aws, cloudfront, onlyDistribution, PROJECT, project, region, SITE_FILES, upOk } from './helpers/cdn-stack.ts';

const NAME = `${PROJECT}-headers`;
const apigateway = new APIGatewayClient(aws);

async function policiesNamed(name: string): Promise<Array<{ id: string; config: ResponseHeadersPolicyConfig; etag: string }>> {
  const list = (await cloudfront.send(new ListResponseHeadersPoliciesCommand({ Type: 'custom' }))).ResponseHeadersPolicyList?.Items ?? [];
  const ids = list.filter((item) => item.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig?.Name === name).map((item) => item.ResponseHeadersPolicy?.Id ?? '');
  return Promise.all(ids.map(async (id) => {
    const got = await cloudfront.send(new GetResponseHeadersPolicyCommand({ Id: id }));
    assert.ok(got.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig && got.ETag);
    return { id, config: got.ResponseHeadersPolicy.ResponseHeadersPolicyConfig, etag: got.ETag };
  }));
}

async function onlyPolicy(): Promise<{ id: string; config: ResponseHeadersPolicyConfig; etag: string }> {
  const found = await policiesNamed(NAME);
  assert.equal(found.length, 1, `exactly one policy named ${NAME}`);
  return found[0] as { id: string; config: ResponseHeadersPolicyConfig; etag: string };
}

async function apiOrigin(): Promise<string> {
  const apis = (await apigateway.send(new GetRestApisCommand({}))).items ?? [];
  const api = apis.find((item) => item.name === `${PROJECT}-api`);
  assert.ok(api?.id);
  return `https://${api.id}.execute-api.${region}.amazonaws.com`;
}

function expectedConfig(apiOriginValue: string, headers: unknown = {}): ResponseHeadersPolicyConfig {
  const settings = parseConfig({ project: PROJECT, headers }, 'c', '/tmp').headers;
  return responseHeadersPolicyConfig(NAME, `resume-infra ${PROJECT}: security headers`, settings, apiOriginValue);
}

test('up makes the policy with the exact header values, the API origin in connect-src, and the distribution uses it', async () => {
  await upOk();
  const policy = await onlyPolicy();
  const origin = await apiOrigin();
  assert.deepEqual(policy.config, expectedConfig(origin));
  assert.match(policy.config.SecurityHeadersConfig?.ContentSecurityPolicy?.ContentSecurityPolicy ?? '', new RegExp(`connect-src 'self' ${origin.replaceAll('.', '\\.')};`));
  const { config } = await onlyDistribution();
  assert.equal(config.DefaultCacheBehavior?.ResponseHeadersPolicyId, policy.id);
  const plan = await project.run('plan');
  assert.equal(plan.code, 0, plan.stdout + plan.stderr);
});

test('a header changed by hand is drift: plan exits 2 naming it, up repairs it with IfMatch, plan exits 0', async () => {
  await upOk();
  const before = await onlyPolicy();
  const security = before.config.SecurityHeadersConfig;
  assert.ok(security?.FrameOptions);
  await cloudfront.send(new UpdateResponseHeadersPolicyCommand({
    Id: before.id, IfMatch: before.etag,
    ResponseHeadersPolicyConfig: { ...before.config, SecurityHeadersConfig: { ...security, FrameOptions: { Override: true, FrameOption: 'SAMEORIGIN' } } },
  }));
  const plan = await project.run('plan');
  assert.equal(plan.code, 2, plan.stdout + plan.stderr);
  assert.match(plan.stdout, /~ update CloudFront response headers policy jane-resume-headers \([^)]+\)\n\s+X-Frame-Options: "SAMEORIGIN" -> "DENY"\n/);
  const up = await upOk();
  assert.ok(up.calls.some((call) => call.operation === 'UpdateResponseHeadersPolicy'), 'up called UpdateResponseHeadersPolicy');
  const after = await onlyPolicy();
  assert.equal(after.id, before.id);
  assert.equal(after.config.SecurityHeadersConfig?.FrameOptions?.FrameOption, 'DENY');
  const clean = await project.run('plan');
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
});

test('a CSP extension in the config is planned as a change of that one header and applied in place', async () => {
  await upOk();
  const before = await onlyPolicy();
  const extended = await makeProject(project.endpoint, { project: PROJECT, region, tags: { owner: 'jane' }, headers: { csp: { 'connect-src': ['https://analytics.example.com'] } } }, SITE_FILES);
  const plan = await extended.run('plan');
  assert.equal(plan.code, 2, plan.stdout + plan.stderr);
  assert.match(plan.stdout, /Content-Security-Policy: ".*connect-src 'self' https:\/\/\w+\.execute-api[^;]*;.*" -> ".*connect-src 'self' https:\/\/\w+\.execute-api\S* https:\/\/analytics\.example\.com;.*"/);
  await upOk(extended);
  const after = await onlyPolicy();
  assert.equal(after.id, before.id);
  assert.deepEqual(after.config, expectedConfig(await apiOrigin(), { csp: { 'connect-src': ['https://analytics.example.com'] } }));
});

test('a policy of the project\'s name made before up (a lost state) is adopted, not duplicated', async () => {
  const made = await cloudfront.send(new CreateResponseHeadersPolicyCommand({
    ResponseHeadersPolicyConfig: { Name: NAME, Comment: 'made by hand', SecurityHeadersConfig: { ContentTypeOptions: { Override: true } } },
  }));
  await upOk();
  const policy = await onlyPolicy();
  assert.equal(policy.id, made.ResponseHeadersPolicy?.Id);
  assert.deepEqual(policy.config, expectedConfig(await apiOrigin()));
});

test('destroy deletes the distribution, then the policy it used', async () => {
  await upOk();
  const destroy = await project.run('destroy', '--yes');
  assert.equal(destroy.code, 0, destroy.stdout + destroy.stderr);
  assert.deepEqual(await policiesNamed(NAME), []);
  const order = destroy.calls.filter((call) => call.operation === 'DeleteDistribution' || call.operation === 'DeleteResponseHeadersPolicy').map((call) => call.operation);
  assert.deepEqual(order, ['DeleteDistribution', 'DeleteResponseHeadersPolicy']);
});
