// The counter's role, log group, function, REST API and Lambda permission, end to end against the
// emulator: what `up` makes, what a second `up` leaves alone, drift, and `destroy`.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import {
  APIGatewayClient, CreateDeploymentCommand, GetDeploymentsCommand, GetMethodCommand, GetResourcesCommand, GetRestApisCommand, GetStageCommand,
  PutIntegrationResponseCommand, UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  GetFunctionCommand, GetPolicyCommand, LambdaClient, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Aws } from '../src/aws/clients.ts';
import { deriveNames, parseConfig, projectTags } from '../src/config.ts';
import { KNOWN_AFTER_APPLY, type ResourceContext } from '../src/engine/types.ts';
import { counterOrigins } from '../src/resources/function.ts';
import { canonicalPolicy } from '../src/resources/iam.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';
import { makeProject, resourceMutations, type CliRun, type TestProject } from './helpers/cli.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const aws = { endpoint: emulator.endpoint, region, credentials, maxAttempts: 1 };
const iam = new IAMClient({ ...aws, region: 'us-east-1' });
const lambda = new LambdaClient(aws);
const logs = new CloudWatchLogsClient(aws);
const apigateway = new APIGatewayClient(aws);
const s3 = new S3Client({ ...aws, forcePathStyle: true });
const cloudfront = new CloudFrontClient({ ...aws, region: 'us-east-1' });

const FUNCTION = 'jane-resume-counter';
const ROLE = 'jane-resume-counter-role';
const ROLE_POLICY = 'jane-resume-counter-policy';
const LOG_GROUP = '/aws/lambda/jane-resume-counter';
const API = 'jane-resume-api';
const TABLE_ARN = `arn:aws:dynamodb:${region}:${ACCOUNT}:table/jane-resume-counter`;
const PARAMETER = '/resume-infra/jane-resume/ip-hash-secret';
const PARAMETER_ARN = `arn:aws:ssm:${region}:${ACCOUNT}:parameter${PARAMETER}`;
const ORIGIN = 'https://jane.example.com';
const COUNTER_RESOURCES = ['table', 'secret', 'role', 'logGroup', 'function', 'api', 'apiPermission'];
const ALLOW_ORIGIN = 'method.response.header.Access-Control-Allow-Origin';

const baseConfig = { project: 'jane-resume', region, counter: { allowedOrigins: [ORIGIN] } };
let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, baseConfig);
});

async function writeConfig(counter: Record<string, unknown>): Promise<void> {
  await writeFile(project.configPath, JSON.stringify({ ...baseConfig, counter: { ...baseConfig.counter, ...counter } }, null, 2));
}

async function up(): Promise<CliRun> {
  const result = await project.run('up');
  assert.equal(result.code, 0, result.stderr);
  return result;
}

function operations(run: CliRun): string[] {
  return resourceMutations(run.calls).map((call) => `${call.service}.${call.operation}`);
}

/** Policies compared as data: one order for statements, actions and resources, whatever IAM returned. */
function normalizePolicy(document: unknown): unknown {
  const { Statement, ...rest } = document as { Statement: unknown };
  const list = (value: unknown) => (Array.isArray(value) ? [...(value as string[])].sort() : [value]);
  const statements = (Array.isArray(Statement) ? Statement : [Statement]).map((statement) => {
    const { Action, Resource, ...other } = statement as Record<string, unknown>;
    return { ...other, Action: list(Action), ...(Resource === undefined ? {} : { Resource: list(Resource) }) };
  });
  return { ...rest, Statement: statements.sort((a, b) => JSON.stringify(a.Action).localeCompare(JSON.stringify(b.Action))) };
}

function decodePolicy(encoded: string | undefined): unknown {
  return JSON.parse(decodeURIComponent(encoded ?? '')) as unknown;
}

async function restApiId(): Promise<string> {
  const apis = (await apigateway.send(new GetRestApisCommand({}))).items?.filter((item) => item.name === API) ?? [];
  assert.equal(apis.length, 1, `expected one REST API named ${API}, found ${apis.length}`);
  const id = apis[0]?.id;
  assert.ok(id);
  return id;
}

async function countResourceId(apiId: string): Promise<string> {
  const resources = (await apigateway.send(new GetResourcesCommand({ restApiId: apiId }))).items ?? [];
  const count = resources.filter((resource) => resource.path === '/count');
  assert.equal(count.length, 1);
  const id = count[0]?.id;
  assert.ok(id);
  return id;
}

async function deploymentCount(apiId: string): Promise<number> {
  return (await apigateway.send(new GetDeploymentsCommand({ restApiId: apiId }))).items?.length ?? 0;
}

/** The site's URL, as CloudFront reports it (the stack's distribution, without a custom domain). */
async function siteUrl(): Promise<string> {
  const items = (await cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Items ?? [];
  assert.equal(items.length, 1);
  return `https://${items[0]?.DomainName ?? ''}`;
}

async function preflightOrigin(apiId: string): Promise<string | undefined> {
  const options = await apigateway.send(new GetMethodCommand({ restApiId: apiId, resourceId: await countResourceId(apiId), httpMethod: 'OPTIONS' }));
  return options.methodIntegration?.integrationResponses?.['204']?.responseParameters?.[ALLOW_ORIGIN];
}

/** A resource context on the emulator, for calling one resource module directly. */
function directContext(outputs: Record<string, string>, siteUrl?: string): { ctx: ResourceContext; notes: string[]; aws: Aws } {
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

async function exists(probe: () => Promise<unknown>, missing: string): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === missing) return false;
    throw error;
  }
}

describe('up and plan', () => {
  test('plan on an empty account lists every new resource and exits 2; after up it exits 0', async () => {
    const before = await project.run('plan', '--json');
    assert.equal(before.code, 2, before.stderr);
    const document = JSON.parse(before.stdout) as { changes: Array<{ resource: string; action: string }> };
    const created = document.changes.filter((change) => change.action === 'create').map((change) => change.resource);
    for (const resource of COUNTER_RESOURCES) assert.ok(created.includes(resource), `${resource} missing from ${created.join(',')}`);
    assert.deepEqual(operations(before), []);

    await up();
    const after = await project.run('plan');
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.match(after.stdout, /No changes/);
  });

  test('up on an empty account creates the role, log group, function, API and permission, and a second up makes no changes', async () => {
    const first = await up();
    for (const operation of ['IAM.CreateRole', 'CloudWatchLogs.CreateLogGroup', 'Lambda.CreateFunction', 'APIGateway.CreateRestApi', 'Lambda.AddPermission']) {
      assert.ok(operations(first).includes(operation), `${operation} missing from ${operations(first).join(' ')}`);
    }
    const apiId = await restApiId();
    assert.match(first.stdout, new RegExp(`apiUrl\\s+https://${apiId}\\.execute-api\\.${region}\\.amazonaws\\.com/prod/count`));

    const second = await up();
    assert.deepEqual(operations(second), []);
    assert.match(second.stdout, /No changes: \d+ resources up to date/);
  });

  test('a lost state finds the existing API by name instead of making a second one', async () => {
    await up();
    await s3.send(new DeleteObjectCommand({ Bucket: `resume-infra-state-${ACCOUNT}-${region}`, Key: 'jane-resume/state.json' }));

    const again = await up();

    assert.ok(!operations(again).includes('APIGateway.CreateRestApi'), operations(again).join(' '));
    assert.ok(!operations(again).includes('Lambda.CreateFunction'), operations(again).join(' '));
    await restApiId();
  });
});

describe('role', () => {
  test('the role trusts only Lambda and its one inline policy allows exactly the table, the parameter and the log group', async () => {
    await up();

    const role = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role;
    assert.deepEqual(normalizePolicy(decodePolicy(role?.AssumeRolePolicyDocument)), normalizePolicy({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }));
    assert.ok(role?.Tags?.some((tag) => tag.Key === 'resume-infra:project' && tag.Value === 'jane-resume'));

    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames, [ROLE_POLICY]);
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }))).AttachedPolicies, []);
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: ROLE_POLICY }));
    assert.deepEqual(normalizePolicy(decodePolicy(inline.PolicyDocument)), normalizePolicy({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'CounterTable', Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem'], Resource: TABLE_ARN },
        { Sid: 'IpHashSecret', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: PARAMETER_ARN },
        { Sid: 'FunctionLogs', Effect: 'Allow', Action: ['logs:PutLogEvents', 'logs:CreateLogStream'], Resource: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${LOG_GROUP}:*` },
      ],
    }));
  });

  test('policies compare equal whatever form IAM returns them in', () => {
    const written = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: 'arn:aws:s3:::b' }] };
    const returned = { Statement: { Resource: ['arn:aws:s3:::b'], Action: ['s3:ListBucket', 's3:GetObject'], Effect: 'Allow' }, Version: '2012-10-17' };
    assert.equal(canonicalPolicy(returned), canonicalPolicy(written));
    assert.notEqual(canonicalPolicy({ ...written, Statement: [{ ...written.Statement[0], Resource: '*' }] }), canonicalPolicy(written));
  });

  test('an inline policy added by hand shows in plan and up removes it', async () => {
    await up();
    await iam.send(new PutRolePolicyCommand({
      RoleName: ROLE,
      PolicyName: 'added-by-hand',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
    }));

    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /otherInlinePolicies: \["added-by-hand"\] -> \[\]/);
    const fixed = await up();
    assert.deepEqual(operations(fixed).filter((operation) => operation.startsWith('IAM.')), ['IAM.DeleteRolePolicy']);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames, [ROLE_POLICY]);
  });
});

describe('function and log group', () => {
  test('the function runs nodejs24.x on arm64 with 128 MB and the counter environment, and its log group keeps 14 days', async () => {
    await up();

    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION }));
    const configuration = fn.Configuration;
    assert.equal(configuration?.Runtime, 'nodejs24.x');
    assert.deepEqual(configuration?.Architectures, ['arm64']);
    assert.equal(configuration?.MemorySize, 128);
    assert.equal(configuration?.Timeout, 5);
    assert.equal(configuration?.Handler, 'index.handler');
    assert.equal(configuration?.Role, `arn:aws:iam::${ACCOUNT}:role/${ROLE}`);
    assert.deepEqual(configuration?.Environment?.Variables, {
      TABLE_NAME: 'jane-resume-counter',
      SECRET_PARAMETER: PARAMETER,
      ALLOWED_ORIGINS: [ORIGIN, await siteUrl()].sort().join(','),
      UNIQUE_WINDOW_HOURS: '24',
    });
    assert.equal(fn.Tags?.['resume-infra:project'], 'jane-resume');

    const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP }))).logGroups ?? [];
    assert.deepEqual(groups.map((group) => [group.logGroupName, group.retentionInDays]), [[LOG_GROUP, 14]]);
  });

  test('the allowed origins add the site URL, sorted and deduplicated, and are unknown while the site URL is', () => {
    assert.equal(counterOrigins(directContext({}, 'https://d111.cloudfront.net/').ctx), ['https://d111.cloudfront.net', ORIGIN].join(','));
    assert.equal(counterOrigins(directContext({}, ORIGIN).ctx), ORIGIN);
    assert.equal(counterOrigins(directContext({}, KNOWN_AFTER_APPLY).ctx), KNOWN_AFTER_APPLY);
    assert.equal(counterOrigins(directContext({}).ctx), KNOWN_AFTER_APPLY);
  });

  test('a function deployed on nodejs22.x is updated in place to nodejs24.x: plan shows it, up changes the configuration only', async () => {
    // GIVEN the stack as an earlier version deployed it: the same code, on nodejs22.x
    await up();
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FUNCTION, Runtime: 'nodejs22.x' }));
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: FUNCTION });
    const before = (await lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION }))).Configuration;
    assert.equal(before?.Runtime, 'nodejs22.x');

    // WHEN plan, then up
    const plan = await project.run('plan');
    const upgraded = await up();

    // THEN plan showed the runtime change alone, and up made it without uploading the code again
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /~ update Lambda function jane-resume-counter\n\s+runtime: "nodejs22\.x" -> "nodejs24\.x"\nPlan: 0 to create, 1 to update, 0 to delete\./);
    assert.deepEqual(operations(upgraded).filter((operation) => operation.startsWith('Lambda.')), ['Lambda.UpdateFunctionConfiguration']);
    const after = (await lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION }))).Configuration;
    assert.equal(after?.Runtime, 'nodejs24.x');
    assert.equal(after?.CodeSha256, before?.CodeSha256);
    assert.equal(after?.FunctionArn, before?.FunctionArn);
    assert.equal((await project.run('plan')).code, 0);
  });

  test('memory changed out of band shows in plan and up sets it back', async () => {
    await up();
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FUNCTION, MemorySize: 512 }));
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: FUNCTION });

    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /~ update Lambda function jane-resume-counter\n\s+memorySize: 512 -> 128/);

    const fixed = await up();
    assert.deepEqual(operations(fixed).filter((operation) => operation.startsWith('Lambda.')), ['Lambda.UpdateFunctionConfiguration']);
    assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION }))).Configuration?.MemorySize, 128);
    assert.equal((await project.run('plan')).code, 0);
  });
});

describe('REST API', () => {
  test('the API proxies GET and POST to the function, answers OPTIONS with a MOCK preflight, and its stage is throttled', async () => {
    await up();
    const apiId = await restApiId();
    const resourceId = await countResourceId(apiId);
    const functionArn = `arn:aws:lambda:${region}:${ACCOUNT}:function:${FUNCTION}`;

    for (const httpMethod of ['GET', 'POST']) {
      const method = await apigateway.send(new GetMethodCommand({ restApiId: apiId, resourceId, httpMethod }));
      assert.equal(method.authorizationType, 'NONE');
      assert.equal(method.methodIntegration?.type, 'AWS_PROXY');
      assert.equal(method.methodIntegration?.httpMethod, 'POST');
      assert.equal(method.methodIntegration?.uri, `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`);
    }
    const options = await apigateway.send(new GetMethodCommand({ restApiId: apiId, resourceId, httpMethod: 'OPTIONS' }));
    assert.equal(options.methodIntegration?.type, 'MOCK');
    const preflight = options.methodIntegration?.integrationResponses?.['204']?.responseParameters;
    // A MOCK answers with fixed headers: it names the site's own origin.
    assert.equal(preflight?.[ALLOW_ORIGIN], `'${await siteUrl()}'`);
    assert.equal(preflight?.['method.response.header.Access-Control-Allow-Methods'], "'GET,POST,OPTIONS'");

    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: FUNCTION }))).Policy ?? '{}') as {
      Statement: Array<{ Sid: string; Principal: { Service: string }; Condition: { ArnLike: Record<string, string> } }>;
    };
    assert.equal(policy.Statement.length, 1);
    assert.equal(policy.Statement[0]?.Principal.Service, 'apigateway.amazonaws.com');
    assert.deepEqual(policy.Statement[0]?.Condition.ArnLike, { 'AWS:SourceArn': `arn:aws:execute-api:${region}:${ACCOUNT}:${apiId}/*/*/count` });

    const stage = await apigateway.send(new GetStageCommand({ restApiId: apiId, stageName: 'prod' }));
    assert.equal(stage.methodSettings?.['*/*']?.throttlingRateLimit, 10);
    assert.equal(stage.methodSettings?.['*/*']?.throttlingBurstLimit, 20);
    assert.equal(await deploymentCount(apiId), 1);
  });

  test('changing the throttle gives a plan diff and an up that updates the stage without a new deployment', async () => {
    await up();
    const apiId = await restApiId();
    const deploymentsBefore = await deploymentCount(apiId);
    await writeConfig({ rateLimit: 5, burstLimit: 8 });

    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /throttling\.rateLimit: 10 -> 5/);
    assert.match(plan.stdout, /throttling\.burstLimit: 20 -> 8/);
    assert.doesNotMatch(plan.stdout, /deployment:/);

    const applied = await up();
    assert.deepEqual(operations(applied).filter((operation) => operation.startsWith('APIGateway.')), ['APIGateway.UpdateStage']);
    assert.equal(await deploymentCount(apiId), deploymentsBefore);
    const stage = await apigateway.send(new GetStageCommand({ restApiId: apiId, stageName: 'prod' }));
    assert.equal(stage.methodSettings?.['*/*']?.throttlingRateLimit, 5);
    assert.equal(stage.methodSettings?.['*/*']?.throttlingBurstLimit, 8);
  });

  test('an API definition changed and deployed by hand is put back with exactly one new deployment', async () => {
    await up();
    const apiId = await restApiId();
    const resourceId = await countResourceId(apiId);
    const site = await siteUrl();
    await apigateway.send(new PutIntegrationResponseCommand({
      restApiId: apiId, resourceId, httpMethod: 'OPTIONS', statusCode: '204', responseParameters: { [ALLOW_ORIGIN]: "'*'" },
    }));
    const manual = await apigateway.send(new CreateDeploymentCommand({ restApiId: apiId, description: 'deployed by hand' }));
    await apigateway.send(new UpdateStageCommand({ restApiId: apiId, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/deploymentId', value: manual.id }] }));
    const deploymentsBefore = await deploymentCount(apiId);

    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stderr);
    assert.ok(plan.stdout.includes(`[${ALLOW_ORIGIN}]: "'*'" -> "'${site}'"`), plan.stdout);
    assert.match(plan.stdout, /deployment: \(none\) -> "[0-9a-f]{16}"/);
    const applied = await up();

    assert.equal(operations(applied).filter((operation) => operation === 'APIGateway.CreateDeployment').length, 1);
    assert.equal(await deploymentCount(apiId), deploymentsBefore + 1);
    assert.equal(await preflightOrigin(apiId), `'${site}'`);
    const stage = await apigateway.send(new GetStageCommand({ restApiId: apiId, stageName: 'prod' }));
    assert.notEqual(stage.deploymentId, manual.id);
    // The stage kept its settings: it was pointed at the new deployment, not recreated.
    assert.equal(stage.methodSettings?.['*/*']?.throttlingRateLimit, 10);
    const again = await up();
    assert.deepEqual(operations(again), []);
  });

  test('a method edited by hand but not deployed is put back without a new deployment', async () => {
    await up();
    const apiId = await restApiId();
    await apigateway.send(new PutIntegrationResponseCommand({
      restApiId: apiId, resourceId: await countResourceId(apiId), httpMethod: 'OPTIONS', statusCode: '204', responseParameters: { [ALLOW_ORIGIN]: "'*'" },
    }));
    const deploymentsBefore = await deploymentCount(apiId);

    const applied = await up();

    assert.ok(operations(applied).includes('APIGateway.PutIntegrationResponse'), operations(applied).join(' '));
    assert.ok(!operations(applied).includes('APIGateway.CreateDeployment'), operations(applied).join(' '));
    assert.equal(await deploymentCount(apiId), deploymentsBefore);
    assert.equal(await preflightOrigin(apiId), `'${await siteUrl()}'`);
  });

  test('another allowed origin updates the function environment and leaves the API deployment alone', async () => {
    await up();
    const apiId = await restApiId();
    const deploymentsBefore = await deploymentCount(apiId);
    await writeConfig({ allowedOrigins: [ORIGIN, 'http://localhost:8080'] });

    const applied = await up();

    assert.deepEqual(operations(applied).filter((operation) => !operation.startsWith('S3.')), ['Lambda.UpdateFunctionConfiguration']);
    assert.equal(await deploymentCount(apiId), deploymentsBefore);
    const environment = (await lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION }))).Configuration?.Environment?.Variables;
    assert.equal(environment?.ALLOWED_ORIGINS, [ORIGIN, 'http://localhost:8080', await siteUrl()].sort().join(','));
  });
});

describe('destroy', () => {
  test('destroy --yes leaves no function, role, log group or API, and runs again cleanly', async () => {
    await up();

    const destroyed = await project.run('destroy', '--yes');
    assert.equal(destroyed.code, 0, destroyed.stderr);

    assert.equal(await exists(() => lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION })), 'ResourceNotFoundException'), false);
    assert.equal(await exists(() => iam.send(new GetRoleCommand({ RoleName: ROLE })), 'NoSuchEntityException'), false);
    const groups = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: LOG_GROUP }))).logGroups ?? [];
    assert.deepEqual(groups, []);
    const apis = (await apigateway.send(new GetRestApisCommand({}))).items ?? [];
    assert.deepEqual(apis.filter((item) => item.name === API), []);

    const again = await project.run('destroy', '--yes');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Nothing to destroy/);
  });
});
