// src/resources/function.ts: the counter function and its log group, and the counter stack around them
// (plan, up, destroy), against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetFunctionCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { KNOWN_AFTER_APPLY } from '../src/engine/types.ts';
import { counterOrigins } from '../src/resources/function.ts';
import { ACCOUNT } from './helpers/emulator.ts';
import { region, iam, lambda, logs, apigateway, FUNCTION, ROLE, LOG_GROUP, API, PARAMETER, ORIGIN, COUNTER_RESOURCES, project, up, operations, restApiId, siteUrl, directContext, exists } from './helpers/counter-stack.ts';

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
