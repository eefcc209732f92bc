// The visitor counter's resources (role, log group, function, REST API, permission) against the emulator.
// Importing this module starts the emulator and registers a beforeEach that gives every test a fresh project.
import { beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { APIGatewayClient, GetDeploymentsCommand, GetMethodCommand, GetResourcesCommand, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { Aws } from '../../src/aws/clients.ts';
import { deriveNames, parseConfig, projectTags } from '../../src/config.ts';
import { KNOWN_AFTER_APPLY, type ResourceContext } from '../../src/engine/types.ts';
import { ACCOUNT, useEmulator } from './emulator.ts';
import { makeProject, resourceMutations, type CliRun, type TestProject } from './cli.ts';

export const emulator = await useEmulator();
export const region = 'eu-west-1';
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const aws = { endpoint: emulator.endpoint, region, credentials, maxAttempts: 1 };
export const iam = new IAMClient({ ...aws, region: 'us-east-1' });
export const lambda = new LambdaClient(aws);
export const logs = new CloudWatchLogsClient(aws);
export const apigateway = new APIGatewayClient(aws);
export const s3 = new S3Client({ ...aws, forcePathStyle: true });
export const cloudfront = new CloudFrontClient({ ...aws, region: 'us-east-1' });

export const FUNCTION = 'jane-resume-counter';
export const ROLE = 'jane-resume-counter-role';
export const ROLE_POLICY = 'jane-resume-counter-policy';
export const LOG_GROUP = '/aws/lambda/jane-resume-counter';
export const API = 'jane-resume-api';
export const TABLE_ARN = `arn:aws:dynamodb:${region}:${ACCOUNT}:table/jane-resume-counter`;
export const PARAMETER = '/resume-infra/jane-resume/ip-hash-secret';
export const PARAMETER_ARN = `arn:aws:ssm:${region}:${ACCOUNT}:parameter${PARAMETER}`;
export const ORIGIN = 'https://jane.example.com';
export const COUNTER_RESOURCES = ['table', 'secret', 'role', 'logGroup', 'function', 'api', 'apiPermission'];
export const ALLOW_ORIGIN = 'method.response.header.Access-Control-Allow-Origin';

export const baseConfig = { project: 'jane-resume', region, counter: { allowedOrigins: [ORIGIN] } };
export let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, baseConfig);
});

export async function writeConfig(counter: Record<string, unknown>): Promise<void> {
  await writeFile(project.configPath, JSON.stringify({ ...baseConfig, counter: { ...baseConfig.counter, ...counter } }, null, 2));
}

export async function up(): Promise<CliRun> {
  const result = await project.run('up');
  assert.equal(result.code, 0, result.stderr);
  return result;
}

export function operations(run: CliRun): string[] {
  return resourceMutations(run.calls).map((call) => `${call.service}.${call.operation}`);
}

/** Policies compared as data: one order for statements, actions and resources, whatever IAM returned. */
export function normalizePolicy(document: unknown): unknown {
  const { Statement, ...rest } = document as { Statement: unknown };
  const list = (value: unknown) => (Array.isArray(value) ? [...(value as string[])].sort() : [value]);
  const statements = (Array.isArray(Statement) ? Statement : [Statement]).map((statement) => {
    const { Action, Resource, ...other } = statement as Record<string, unknown>;
    return { ...other, Action: list(Action), ...(Resource === undefined ? {} : { Resource: list(Resource) }) };
  });
  return { ...rest, Statement: statements.sort((a, b) => JSON.stringify(a.Action).localeCompare(JSON.stringify(b.Action))) };
}

export function decodePolicy(encoded: string | undefined): unknown {
  return JSON.parse(decodeURIComponent(encoded ?? '')) as unknown;
}

export async function restApiId(): Promise<string> {
  const apis = (await apigateway.send(new GetRestApisCommand({}))).items?.filter((item) => item.name === API) ?? [];
  assert.equal(apis.length, 1, `expected one REST API named ${API}, found ${apis.length}`);
  const id = apis[0]?.id;
  assert.ok(id);
  return id;
}

export async function countResourceId(apiId: string): Promise<string> {
  const resources = (await apigateway.send(new GetResourcesCommand({ restApiId: apiId }))).items ?? [];
  const count = resources.filter((resource) => resource.path === '/count');
  assert.equal(count.length, 1);
  const id = count[0]?.id;
  assert.ok(id);
  return id;
}

export async function deploymentCount(apiId: string): Promise<number> {
  return (await apigateway.send(new GetDeploymentsCommand({ restApiId: apiId }))).items?.length ?? 0;
}

/** The site's URL, as CloudFront reports it (the stack's distribution, without a custom domain). */
export async function siteUrl(): Promise<string> {
  const items = (await cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Items ?? [];
  assert.equal(items.length, 1);
  return `https://${items[0]?.DomainName ?? ''}`;
}

export async function preflightOrigin(apiId: string): Promise<string | undefined> {
  const options = await apigateway.send(new GetMethodCommand({ restApiId: apiId, resourceId: await countResourceId(apiId), httpMethod: 'OPTIONS' }));
  return options.methodIntegration?.integrationResponses?.['204']?.responseParameters?.[ALLOW_ORIGIN];
}

/** A resource context on the emulator, for calling one resource module directly. */
export function directContext(outputs: Record<string, string>, siteUrl?: string): { ctx: ResourceContext; notes: string[]; aws: Aws } {
  const config = parseConfig(baseConfig, 'test', project.dir);
  const direct = new Aws({ region, endpointUrl: emulator.endpoint, maxAttempts: 1 });
  const notes: string[] = [];
  const output = (name: string, key: string): string => {
    // No siteUrl given: the distribution is not made yet, as in a plan.
    if (name === 'distribution' && key === 'siteUrl') return siteUrl ?? KNOWN_AFTER_APPLY;
    const value = outputs[`${name}.${key}`];
    if (value === undefined) throw new Error(`no output ${name}.${key}`);
    return value;
  };
  const ctx: ResourceContext = {
    config, names: deriveNames(config, ACCOUNT, region), aws: direct, tags: projectTags(config), mode: 'apply',
    output, note: (message) => notes.push(message),
  };
  return { ctx, notes, aws: direct };
}

export async function exists(probe: () => Promise<unknown>, missing: string): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === missing) return false;
    throw error;
  }
}
