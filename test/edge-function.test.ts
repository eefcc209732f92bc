// src/resources/edge-function.ts: the viewer-request CloudFront Function, on the emulator with the
// CloudFront Functions stand-in in front of it (src/emulator.ts).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudFrontClient, DescribeFunctionCommand, GetFunctionCommand, ListFunctionsCommand, ListTagsForResourceCommand, PublishFunctionCommand, UpdateFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import { Aws } from '../src/aws/clients.ts';
import { readFunctionSettings } from '../src/edge/code.ts';
import { forgetStageReads, keepStageReads, readStage, releaseStageReads } from '../src/edge/function-api.ts';
import { cloudfront, emulator, onlyDistribution, PROJECT, project, region, upOk } from './helpers/cdn-stack.ts';

const NAME = `${PROJECT}-edge`;

async function liveCode(): Promise<string> {
  const response = await cloudfront.send(new GetFunctionCommand({ Name: NAME, Stage: 'LIVE' }));
  return Buffer.from(response.FunctionCode ?? new Uint8Array()).toString('utf8');
}

describe('up', () => {
  test('creates and publishes the function, tags it, and associates it with the distribution for viewer requests', async () => {
    await upOk();
    const described = await cloudfront.send(new DescribeFunctionCommand({ Name: NAME, Stage: 'LIVE' }));
    assert.equal(described.FunctionSummary?.FunctionConfig?.Runtime, 'cloudfront-js-2.0');
    const arn = described.FunctionSummary?.FunctionMetadata?.FunctionARN;
    assert.ok(arn);
    const tags = await cloudfront.send(new ListTagsForResourceCommand({ Resource: arn }));
    assert.ok(tags.Tags?.Items?.some((tag) => tag.Key === 'resume-infra:project' && tag.Value === PROJECT));
    const { config } = await onlyDistribution();
    assert.deepEqual(config.DefaultCacheBehavior?.FunctionAssociations?.Items, [{ EventType: 'viewer-request', FunctionARN: arn }]);
    const settings = readFunctionSettings(await liveCode());
    assert.equal(settings?.domain, null);
    assert.deepEqual(settings?.redirectFrom, []);
    assert.equal((await project.run('plan')).code, 0);
  });

  test('a second up finds the function by name and changes nothing', async () => {
    await upOk();
    await upOk();
    const list = await cloudfront.send(new ListFunctionsCommand({ Stage: 'DEVELOPMENT' }));
    assert.equal((list.FunctionList?.Items ?? []).filter((item) => item.Name === NAME).length, 1);
  });

  test('code edited in the console is shown by plan and put back by up, keeping the live release', async () => {
    await upOk();
    const before = await liveCode();
    const release = readFunctionSettings(before)?.release;
    const dev = await cloudfront.send(new DescribeFunctionCommand({ Name: NAME, Stage: 'DEVELOPMENT' }));
    const edited = await cloudfront.send(new UpdateFunctionCommand({
      Name: NAME, IfMatch: dev.ETag, FunctionConfig: { Comment: 'hand edit', Runtime: 'cloudfront-js-2.0' },
      FunctionCode: Buffer.from('function handler(event) { return event.request; }'),
    }));
    await cloudfront.send(new PublishFunctionCommand({ Name: NAME, IfMatch: edited.ETag }));
    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /edited outside resume-infra/);
    await upOk();
    const after = await liveCode();
    assert.equal(readFunctionSettings(after)?.release, release);
    assert.equal((await project.run('plan')).code, 0);
  });

  test('destroy deletes the function after the distribution', async () => {
    await upOk();
    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const list = await cloudfront.send(new ListFunctionsCommand({ Stage: 'DEVELOPMENT' }));
    assert.equal((list.FunctionList?.Items ?? []).filter((item) => item.Name === NAME).length, 0);
  });
});

/** Clients of their own, with every GetFunction they send counted. */
function countingGetFunction(): { aws: Aws; sent: string[] } {
  const aws = new Aws({ region, endpointUrl: emulator.endpoint, maxAttempts: 1 });
  const sent: string[] = [];
  aws.globalClient(CloudFrontClient).middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === GetFunctionCommand.name) sent.push(context.commandName);
    return next(args);
  }, { step: 'initialize', name: 'countGetFunction' });
  return { aws, sent };
}

describe('readStage', () => {
  test('reads of a stage in flight together share one GetFunction; a read after a write, or after the first answered, asks again', async () => {
    await upOk();
    const { aws: direct, sent } = countingGetFunction();

    const [first, second] = await Promise.all([readStage(direct, NAME, 'LIVE'), readStage(direct, NAME, 'LIVE')]);
    assert.equal(sent.length, 1);
    assert.equal(second, first);
    assert.equal(first?.settings?.domain, null);

    await readStage(direct, NAME, 'LIVE');
    assert.equal(sent.length, 2, 'the first read had answered');

    const before = readStage(direct, NAME, 'LIVE');
    forgetStageReads(direct, NAME);
    const after = readStage(direct, NAME, 'LIVE');
    await Promise.all([before, after]);
    assert.equal(sent.length, 4, 'a write between them');
  });

  test('after keepStageReads (plan, up until the lock), a stage read once is not read again until releaseStageReads; other clients still read', async () => {
    await upOk();
    const planning = countingGetFunction();
    keepStageReads(planning.aws);
    const first = await readStage(planning.aws, NAME, 'LIVE');
    const again = await readStage(planning.aws, NAME, 'LIVE');
    assert.equal(planning.sent.length, 1);
    assert.equal(again, first);
    await readStage(planning.aws, NAME, 'DEVELOPMENT');
    assert.equal(planning.sent.length, 2, 'another stage is another read');

    const other = countingGetFunction();
    await readStage(other.aws, NAME, 'LIVE');
    await readStage(other.aws, NAME, 'LIVE');
    assert.equal(other.sent.length, 2, 'a client that keeps nothing reads each time');

    // releaseStageReads (up, once it holds the lock): nothing kept before is answered, and nothing after is kept.
    releaseStageReads(planning.aws);
    await readStage(planning.aws, NAME, 'LIVE');
    await readStage(planning.aws, NAME, 'LIVE');
    assert.equal(planning.sent.length, 4, 'released: each read asks again');
  });
});
