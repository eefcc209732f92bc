// src/resources/table.ts: the counter table, with the secret and the state beside it (up, plan, drift, lost
// state, destroy), against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand, ListTablesCommand, ListTagsOfResourceCommand, UntagResourceCommand, UpdateContinuousBackupsCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DescribeParametersCommand, GetParameterCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import { DeleteObjectCommand, GetBucketEncryptionCommand, GetBucketTaggingCommand, GetBucketVersioningCommand, GetPublicAccessBlockCommand, GetBucketOwnershipControlsCommand } from '@aws-sdk/client-s3';
import { resourceMutations } from './helpers/cli.ts';
import { dynamodb, ssm, s3, TABLE, PARAMETER, STATE_BUCKET, STATE_KEY, project, stateDocument, stateObjectExists, planned } from './helpers/foundation-stack.ts';

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

  test('a second up makes zero mutating AWS calls, not even the lock, and says nothing changed', async () => {
    assert.equal((await project.run('up')).code, 0);
    const serialBefore = (await stateDocument<{ serial: number }>()).serial;
    const second = await project.run('up');
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(resourceMutations(second.calls).map((call) => `${call.service}.${call.operation}`), []);
    // It writes nothing, so it needs no lock (issue 17; docs/decisions.md).
    assert.deepEqual(second.calls.filter((call) => call.mutating).map((call) => call.operation), []);
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
