// The foundation end to end against the emulator: state, lock, plan, drift, adoption, destroy,
// proven on the counter's table and secret.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand,
  ListTagsOfResourceCommand, UntagResourceCommand, UpdateContinuousBackupsCommand, UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeParametersCommand, GetParameterCommand, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  DeleteObjectCommand, GetBucketEncryptionCommand, GetBucketTaggingCommand, GetBucketVersioningCommand,
  GetPublicAccessBlockCommand, GetBucketOwnershipControlsCommand, ListBucketsCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Aws } from '../src/aws/clients.ts';
import { deriveNames, loadConfig, projectTags } from '../src/config.ts';
import { StateStore } from '../src/state/store.ts';
import { useEmulator, ACCOUNT } from './helpers/emulator.ts';
import { makeProject, resourceMutations, type TestProject } from './helpers/cli.ts';
import { objectExists, readJson, readText, stateBucket } from './helpers/s3.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const aws = { endpoint: emulator.endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const dynamodb = new DynamoDBClient(aws);
const ssm = new SSMClient(aws);
const s3 = new S3Client({ ...aws, forcePathStyle: true });

const TABLE = 'jane-resume-counter';
const PARAMETER = '/resume-infra/jane-resume/ip-hash-secret';
const STATE_BUCKET = stateBucket(region);
const STATE_KEY = 'jane-resume/state.json';

let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, { project: 'jane-resume', region, tags: { owner: 'jane' } });
});

/** The state object exactly as stored. */
function stateBody(): Promise<string> {
  return readText(s3, STATE_BUCKET, STATE_KEY);
}

function stateDocument<T>(): Promise<T> {
  return readJson<T>(s3, STATE_BUCKET, STATE_KEY);
}

function stateObjectExists(key: string): Promise<boolean> {
  return objectExists(s3, STATE_BUCKET, key);
}

/** The project's state store as the CLI opens it, for driving the lock and writes directly. */
async function openStore(): Promise<StateStore> {
  const config = await loadConfig(project.configPath);
  return new StateStore(new Aws({ region, endpointUrl: emulator.endpoint, maxAttempts: 1 }), deriveNames(config, ACCOUNT, region), projectTags(config));
}

function planned(stdout: string): { create: string[]; update: string[] } {
  const document = JSON.parse(stdout) as { changes: Array<{ resource: string; action: string }> };
  return {
    create: document.changes.filter((change) => change.action === 'create').map((change) => change.resource),
    update: document.changes.filter((change) => change.action === 'update').map((change) => change.resource),
  };
}

describe('up', () => {
  test('up on an empty account creates the table, the secret, the state bucket and the state object', async () => {
    const result = await project.run('up');
    assert.equal(result.code, 0, result.stderr);

    const table = (await dynamodb.send(new DescribeTableCommand({ TableName: TABLE }))).Table;
    assert.equal(table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(table?.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
    assert.equal(ttl.TimeToLiveDescription?.AttributeName, 'expiresAt');
    assert.equal(ttl.TimeToLiveDescription?.TimeToLiveStatus, 'ENABLED');
    const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: TABLE }));
    assert.equal(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus, 'ENABLED');
    const tableTags = await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: table?.TableArn }));
    assert.deepEqual(tableTags.Tags?.find((tag) => tag.Key === 'resume-infra:project'), { Key: 'resume-infra:project', Value: 'jane-resume' });

    const parameter = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [PARAMETER] }] }));
    assert.equal(parameter.Parameters?.[0]?.Type, 'SecureString');
    const secretValue = (await ssm.send(new GetParameterCommand({ Name: PARAMETER, WithDecryption: true }))).Parameter?.Value ?? '';
    assert.equal(Buffer.from(secretValue, 'base64').length, 32);
    const parameterTags = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: PARAMETER }));
    assert.ok(parameterTags.TagList?.some((tag) => tag.Key === 'owner' && tag.Value === 'jane'));

    const publicAccess = await s3.send(new GetPublicAccessBlockCommand({ Bucket: STATE_BUCKET }));
    assert.deepEqual(publicAccess.PublicAccessBlockConfiguration, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: STATE_BUCKET }))).Status, 'Enabled');
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: STATE_BUCKET }));
    assert.equal(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'AES256');
    const ownership = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: STATE_BUCKET }));
    assert.equal(ownership.OwnershipControls?.Rules?.[0]?.ObjectOwnership, 'BucketOwnerEnforced');
    const bucketTags = await s3.send(new GetBucketTaggingCommand({ Bucket: STATE_BUCKET }));
    assert.ok(bucketTags.TagSet?.some((tag) => tag.Key === 'resume-infra:project' && tag.Value === 'jane-resume'));

    const state = await stateDocument<{ formatVersion: number; serial: number; resources: Record<string, { id: string }> }>();
    assert.equal(state.formatVersion, 1);
    assert.ok(state.serial > 0);
    assert.equal(state.resources.table?.id, TABLE);
    assert.equal(state.resources.secret?.id, PARAMETER);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false, 'the lock is released');
  });

  test('a second up makes zero mutating AWS calls besides the lock and says nothing changed', async () => {
    assert.equal((await project.run('up')).code, 0);
    const serialBefore = (await stateDocument<{ serial: number }>()).serial;
    const second = await project.run('up');
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(resourceMutations(second.calls).map((call) => `${call.service}.${call.operation}`), []);
    assert.deepEqual(second.calls.filter((call) => call.mutating).map((call) => call.operation).sort(), ['DeleteObject', 'PutObject']);
    assert.match(second.stdout, /No changes/);
    assert.equal((await stateDocument<{ serial: number }>()).serial, serialBefore, 'no state write');
  });
});

describe('plan', () => {
  test('plan on an empty account exits 2 and lists the table and the secret as creates', async () => {
    const result = await project.run('plan', '--json');
    assert.equal(result.code, 2, result.stderr);
    const { create } = planned(result.stdout);
    assert.ok(create.includes('table') && create.includes('secret'), create.join(','));
    assert.deepEqual(result.calls.filter((call) => call.mutating), [], 'plan only reads');
  });

  test('plan exits 0 after up, calling only read-only operations', async () => {
    assert.equal((await project.run('up')).code, 0);
    const result = await project.run('plan');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /No changes/);
    assert.ok(result.calls.length > 0);
    assert.deepEqual(result.calls.filter((call) => call.mutating).map((call) => call.operation), []);
  });
});

describe('drift', () => {
  const cases: Array<{ name: string; field: string; resource: string; breakIt: () => Promise<unknown>; check: () => Promise<void> }> = [
    {
      name: 'TTL turned off',
      resource: 'table',
      field: 'timeToLive',
      breakIt: () => dynamodb.send(new UpdateTimeToLiveCommand({ TableName: TABLE, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false } })),
      check: async () => {
        const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
        assert.equal(ttl.TimeToLiveDescription?.TimeToLiveStatus, 'ENABLED');
      },
    },
    {
      name: 'point-in-time recovery turned off',
      resource: 'table',
      field: 'pointInTimeRecovery',
      breakIt: () => dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: TABLE, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } })),
      check: async () => {
        const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: TABLE }));
        assert.equal(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus, 'ENABLED');
      },
    },
    {
      name: 'the project tag removed out of band',
      resource: 'table',
      field: 'tags.resume-infra:project',
      breakIt: async () => {
        const arn = (await dynamodb.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableArn;
        return dynamodb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['resume-infra:project'] }));
      },
      check: async () => {
        const arn = (await dynamodb.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableArn;
        const tags = await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
        assert.ok(tags.Tags?.some((tag) => tag.Key === 'resume-infra:project' && tag.Value === 'jane-resume'));
      },
    },
  ];

  for (const drift of cases) {
    test(`${drift.name} is shown by plan and repaired by up`, async () => {
      assert.equal((await project.run('up')).code, 0);
      await drift.breakIt();
      const plan = await project.run('plan', '--json');
      assert.equal(plan.code, 2, plan.stdout + plan.stderr);
      const document = JSON.parse(plan.stdout) as { changes: Array<{ resource: string; action: string; changes: Array<{ field: string }> }> };
      const change = document.changes.find((entry) => entry.resource === drift.resource);
      assert.equal(change?.action, 'update');
      assert.deepEqual(change?.changes.map((entry) => entry.field), [drift.field]);
      const fix = await project.run('up');
      assert.equal(fix.code, 0, fix.stderr);
      await drift.check();
      assert.equal((await project.run('plan')).code, 0);
    });
  }
});

describe('lost state', () => {
  test('with the state object deleted, up adopts the table and the secret and creates nothing new', async () => {
    assert.equal((await project.run('up')).code, 0);
    const secretBefore = (await ssm.send(new GetParameterCommand({ Name: PARAMETER, WithDecryption: true }))).Parameter?.Value;
    await s3.send(new DeleteObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY }));
    const again = await project.run('up');
    assert.equal(again.code, 0, again.stderr);
    const creates = again.calls.filter((call) => /^(Create|Put(Parameter)?$)/.test(call.operation) && !(call.target ?? '').includes(STATE_KEY));
    assert.deepEqual(creates.map((call) => call.operation), []);
    const tables = (await dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
    assert.deepEqual(tables.filter((name) => name.startsWith('jane-resume')), [TABLE]);
    const secretAfter = (await ssm.send(new GetParameterCommand({ Name: PARAMETER, WithDecryption: true }))).Parameter?.Value;
    assert.equal(secretAfter, secretBefore, 'the secret is never overwritten');
    const state = await stateDocument<{ resources: Record<string, { id: string }> }>();
    assert.equal(state.resources.table?.id, TABLE);
    assert.equal(state.resources.secret?.id, PARAMETER);
  });
});

describe('locking', () => {
  test('of two up runs at once exactly one proceeds and the other names the lock holder', async () => {
    assert.equal((await project.run('up')).code, 0);
    const serialBefore = (await stateDocument<{ serial: number }>()).serial;
    const [first, second] = await Promise.all([project.run('up'), project.run('up')]);
    const codes = [first.code, second.code].sort();
    assert.deepEqual(codes, [0, 1]);
    const loser = first.code === 1 ? first : second;
    assert.match(loser.stderr, /^error: state s3:\/\/\S+ is locked by \S+ running `up` since \S+ \(lock id [0-9a-f-]{36}\); .*unlock [0-9a-f-]{36}/m);
    assert.equal(loser.stderr.trim().split('\n').length, 1, 'one line');
    const state = await stateDocument<{ serial: number; resources: Record<string, unknown> }>();
    assert.equal(state.serial, serialBefore);
    assert.ok(state.resources.table && state.resources.secret);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false);
  });

  test('unlock removes a stale lock only when given its id', async () => {
    assert.equal((await project.run('up')).code, 0);
    const stale = { id: '11111111-2222-3333-4444-555555555555', who: 'ci@runner', command: 'up', createdAt: '2026-01-01T00:00:00.000Z', pid: 1 };
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: `${STATE_KEY}.lock`, Body: JSON.stringify(stale) }));

    const blocked = await project.run('up');
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /locked by ci@runner running `up` since 2026-01-01T00:00:00.000Z \(lock id 11111111-2222-3333-4444-555555555555\).*run `npx resume-infra -c \S+ --endpoint-url \S+ unlock 11111111-2222-3333-4444-555555555555`/);

    const wrong = await project.run('unlock', 'not-the-id');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /lock id "not-the-id" does not match/);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), true);

    const right = await project.run('unlock', stale.id);
    assert.equal(right.code, 0, right.stderr);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false);
    assert.equal((await project.run('up')).code, 0);
  });

  test('a run whose lock was force-unlocked and taken by another run leaves that run\'s lock when it finishes', async () => {
    assert.equal((await project.run('up')).code, 0);
    const [slow, other] = [await openStore(), await openStore()];
    const stuck = await slow.acquireLock('up');
    await other.forceUnlock(stuck.id);
    const taken = await other.acquireLock('deploy-site');

    await slow.releaseLock(stuck);
    const holder = await readJson<{ id: string }>(s3, STATE_BUCKET, `${STATE_KEY}.lock`);
    assert.equal(holder.id, taken.id, 'the other run still holds the lock');

    await other.releaseLock(taken);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false);
    await other.releaseLock(taken); // already gone: nothing to do, no error
  });

  test('deploy-site and deploy-lambda before up fail with one line saying to run up, and create nothing', async () => {
    for (const command of ['deploy-site', 'deploy-lambda']) {
      const result = await project.run(command);
      assert.equal(result.code, 1, command);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /^error: jane-resume is not deployed \(no state bucket resume-infra-state-\d+-eu-west-1\); run `npx resume-infra -c \S+ --endpoint-url \S+ up` first\n$/, command);
      assert.deepEqual(resourceMutations(result.calls), [], command);
      assert.equal((await s3.send(new ListBucketsCommand({}))).Buckets?.length ?? 0, 0, command);
    }
  });

  test('a state write over a version someone else changed is an error, never a silent overwrite', async () => {
    assert.equal((await project.run('up')).code, 0);
    const store = await openStore();
    const loaded = await store.read('jane-resume');
    assert.ok(loaded);
    const theirs = { ...loaded.document, serial: loaded.document.serial + 1 };
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: JSON.stringify(theirs) }));
    await assert.rejects(store.write({ ...loaded.document, serial: loaded.document.serial + 1, outputs: { mine: 'yes' } }, loaded.etag), /was changed by someone else during this run \(ETag mismatch\); nothing was overwritten/);
    assert.equal((await stateDocument<{ outputs: Record<string, string> }>()).outputs.mine, undefined);
  });
});

describe('destroy', () => {
  test('destroy --yes leaves no table, no parameter and no state object, and a second run does nothing', async () => {
    assert.equal((await project.run('up')).code, 0);
    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stderr);
    const tables = (await dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
    assert.deepEqual(tables, []);
    const parameters = await ssm.send(new DescribeParametersCommand({}));
    assert.deepEqual(parameters.Parameters ?? [], []);
    assert.equal(await stateObjectExists(STATE_KEY), false);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false);

    const again = await project.run('destroy', '--yes');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Nothing to destroy/);
    assert.deepEqual(resourceMutations(again.calls).filter((call) => !(call.target ?? '').endsWith(STATE_KEY)), []);
  });

  test('destroy without --yes and without a terminal refuses and deletes nothing', async () => {
    assert.equal((await project.run('up')).code, 0);
    const result = await project.run('destroy');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /run it again with --yes/);
    assert.ok(((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).includes(TABLE));
  });
});

describe('secrets', () => {
  test('the secret value appears in no output, no log line and not in the state object', async () => {
    const outputs: string[] = [];
    for (const args of [['up', '--verbose'], ['up', '--json', '--verbose'], ['plan', '--verbose'], ['status', '--json'], ['status']]) {
      const result = await project.run(...args);
      outputs.push(result.stdout, result.stderr, JSON.stringify(result.calls));
    }
    const secretValue = (await ssm.send(new GetParameterCommand({ Name: PARAMETER, WithDecryption: true }))).Parameter?.Value;
    assert.ok(secretValue && secretValue.length >= 40);
    const everything = [...outputs, await stateBody()].join('\n');
    assert.ok(everything.includes(PARAMETER), 'the parameter name is shown, so the outputs were captured');
    assert.equal(everything.includes(secretValue), false);
    assert.equal(everything.includes(Buffer.from(secretValue, 'base64').toString('hex')), false);
  });
});
