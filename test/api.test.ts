// src/resources/api.ts: the counter's REST API, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  APIGatewayClient, CreateDeploymentCommand, GetMethodCommand, GetResourcesCommand, GetStageCommand, PutIntegrationResponseCommand, UpdateStageCommand,
  type GetResourcesCommandOutput,
} from '@aws-sdk/client-api-gateway';
import { GetFunctionCommand, GetPolicyCommand } from '@aws-sdk/client-lambda';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { ACCOUNT } from './helpers/emulator.ts';
import { api } from '../src/resources/api.ts';
import {
  region, lambda, apigateway, s3, FUNCTION, ORIGIN, ALLOW_ORIGIN, project, writeConfig, up, operations, restApiId, countResourceId, deploymentCount, siteUrl,
  preflightOrigin, directContext,
} from './helpers/counter-stack.ts';

describe('up and plan', () => {
  test('a lost state finds the existing API by name instead of making a second one', async () => {
    await up();
    await s3.send(new DeleteObjectCommand({ Bucket: `resume-infra-state-${ACCOUNT}-${region}`, Key: 'jane-resume/state.json' }));

    const again = await up();

    assert.ok(!operations(again).includes('APIGateway.CreateRestApi'), operations(again).join(' '));
    assert.ok(!operations(again).includes('Lambda.CreateFunction'), operations(again).join(' '));
    await restApiId();
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

  test('the methods come with the resource listing (embed=methods); a listing without their contents has each read by GetMethod', async () => {
    await up();
    const apiId = await restApiId();
    const { ctx, aws } = directContext({ 'function.functionArn': `arn:aws:lambda:${region}:${ACCOUNT}:function:${FUNCTION}` }, await siteUrl());
    const client = aws.client(APIGatewayClient);
    const sent: string[] = [];
    client.middlewareStack.add((next, context) => async (args) => {
      sent.push(context.commandName ?? '');
      return next(args);
    }, { step: 'initialize', name: 'countCommands' });
    const recorded = { id: apiId, outputs: {}, updatedAt: new Date().toISOString() };
    const desired = await api.desired(ctx);

    const embedded = await api.read(ctx, recorded);
    assert.ok(embedded);
    assert.deepEqual(Object.keys(embedded.methods).sort(), ['GET', 'OPTIONS', 'POST']);
    assert.deepEqual(api.diff(desired, embedded), []);
    assert.equal(sent.filter((name) => name === GetMethodCommand.name).length, 0, sent.join(' '));
    assert.ok(sent.includes(GetResourcesCommand.name), sent.join(' '));

    // As API Gateway answers a listing without embed: each method's name, with nothing in it.
    client.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName !== GetResourcesCommand.name) return result;
      const output = result.output as GetResourcesCommandOutput;
      for (const item of output.items ?? []) {
        item.resourceMethods = Object.fromEntries(Object.keys(item.resourceMethods ?? {}).map((method) => [method, {}]));
      }
      return result;
    }, { step: 'initialize', name: 'listWithoutContents' });
    sent.length = 0;

    const listed = await api.read(ctx, recorded);
    assert.ok(listed);
    assert.deepEqual(listed.methods, embedded.methods);
    assert.equal(sent.filter((name) => name === GetMethodCommand.name).length, 3, sent.join(' '));
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
