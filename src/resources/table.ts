// The counter's DynamoDB table: on-demand, key `pk`, TTL on `expiresAt`, point-in-time recovery.
import {
  CreateTableCommand, DeleteTableCommand, DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand,
  DynamoDBClient, ListTagsOfResourceCommand, TagResourceCommand, UpdateContinuousBackupsCommand, UpdateTableCommand,
  UpdateTimeToLiveCommand, waitUntilTableExists, waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import type { RecordedResource } from '../state/document.ts';
import { readAhead, readAheadById } from './read-ahead.ts';
import { errorName } from '../errors.ts';
import { ignoreNotFound } from './not-found.ts';
import { arnName, orphansByTag } from './tagged.ts';
import { changedTags, hasChange, tagChanges, tagList, tagRecord } from './tags.ts';

export const TTL_ATTRIBUTE = 'expiresAt';
const PARTITION_KEY = 'pk';

interface TableDesired {
  name: string;
  tags: Record<string, string>;
}

interface TableActual extends Observed {
  name: string;
  billingMode: string;
  keySchema: string;
  ttlAttribute: string | undefined;
  pitr: boolean;
  tags: Record<string, string>;
}

const WAIT = { minDelay: 1, maxDelay: 5, maxWaitTime: 300 };

async function findTable(ctx: ResourceContext, name: string, recorded: RecordedResource | undefined): Promise<TableActual | undefined> {
  const dynamodb = ctx.aws.client(DynamoDBClient);
  // The state records the table: its settings and tags are read along with its description.
  const ttlRead = readAhead(recorded !== undefined, () => dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name })));
  const backupsRead = readAhead(recorded !== undefined, () => dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name })));
  const tagsRead = readAheadById(recorded?.arn, (arn) => dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: arn })));
  const table = (await ignoreNotFound('ResourceNotFoundException', () => dynamodb.send(new DescribeTableCommand({ TableName: name }))))?.Table;
  // A table on its way out is gone as far as the next create is concerned.
  if (!table?.TableArn || table.TableStatus === 'DELETING') return undefined;
  const [ttl, backups, tags] = await Promise.all([ttlRead(), backupsRead(), tagsRead(table.TableArn)]);
  const ttlStatus = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  const pitrStatus = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  return {
    id: name,
    arn: table.TableArn,
    outputs: { tableName: name, tableArn: table.TableArn },
    name,
    billingMode: table.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
    keySchema: (table.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(','),
    ttlAttribute: ttlStatus === 'ENABLED' || ttlStatus === 'ENABLING' ? ttl.TimeToLiveDescription?.AttributeName : undefined,
    pitr: pitrStatus === 'ENABLED',
    tags: tagRecord(tags.Tags),
  };
}

async function enableTtl(ctx: ResourceContext, name: string): Promise<void> {
  await ctx.aws.client(DynamoDBClient).send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
}

async function enablePitr(ctx: ResourceContext, name: string): Promise<void> {
  await ctx.aws.client(DynamoDBClient).send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
}

export const table: ResourceKind<TableDesired, TableActual> = {
  name: 'table',
  title: 'DynamoDB table',
  dependsOn: [],
  holdsData: true,
  replaceDeletesFirst: true,

  label: (ctx, actual) => actual?.name ?? ctx.names.table,

  desired: (ctx) => ({ name: ctx.names.table, tags: ctx.tags }),

  read: (ctx, recorded) => findTable(ctx, ctx.names.table, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    // The key schema of a table cannot change: a new table it is.
    if (actual.keySchema !== `${PARTITION_KEY}:HASH`) changes.push({ field: 'keySchema', from: actual.keySchema, to: `${PARTITION_KEY}:HASH`, replace: true });
    if (actual.billingMode !== 'PAY_PER_REQUEST') changes.push({ field: 'billingMode', from: actual.billingMode, to: 'PAY_PER_REQUEST' });
    if (actual.ttlAttribute !== TTL_ATTRIBUTE) changes.push({ field: 'timeToLive', from: actual.ttlAttribute ?? 'disabled', to: TTL_ATTRIBUTE });
    if (!actual.pitr) changes.push({ field: 'pointInTimeRecovery', from: 'disabled', to: 'enabled' });
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    const dynamodb = ctx.aws.client(DynamoDBClient);
    try {
      await dynamodb.send(new CreateTableCommand({
        TableName: desired.name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
        Tags: tagList(desired.tags),
      }));
    } catch (error) {
      if (errorName(error) !== 'ResourceInUseException') throw error;
      // Exists (a crashed run made it) or is still being deleted: wait for the latter, then create.
      if (!(await findTable(ctx, desired.name, undefined))) {
        await ctx.aws.wait(`table ${desired.name} to be deleted`, (abortSignal) => waitUntilTableNotExists({ client: dynamodb, abortSignal, ...WAIT }, { TableName: desired.name }));
        return table.create(ctx, desired);
      }
    }
    // UpdateTimeToLive needs the table ACTIVE.
    await ctx.aws.wait(`table ${desired.name} to be ACTIVE`, (abortSignal) => waitUntilTableExists({ client: dynamodb, abortSignal, ...WAIT }, { TableName: desired.name }));
    return { id: desired.name };
  },

  async update(ctx, desired, actual, changes) {
    const dynamodb = ctx.aws.client(DynamoDBClient);
    if (hasChange(changes, 'billingMode')) {
      await dynamodb.send(new UpdateTableCommand({ TableName: actual.name, BillingMode: 'PAY_PER_REQUEST' }));
      await ctx.aws.wait(`table ${actual.name} to be ACTIVE`, (abortSignal) => waitUntilTableExists({ client: dynamodb, abortSignal, ...WAIT }, { TableName: actual.name }));
    }
    if (hasChange(changes, 'timeToLive')) await enableTtl(ctx, actual.name);
    if (hasChange(changes, 'pointInTimeRecovery')) await enablePitr(ctx, actual.name);
    if (hasChange(changes, 'tags') && actual.arn) {
      await dynamodb.send(new TagResourceCommand({ ResourceArn: actual.arn, Tags: tagList(changedTags(desired.tags, changes)) }));
    }
  },

  orphans: (ctx, keep) => orphansByTag(ctx, keep, 'dynamodb', (arn) => arnName(arn, ':table/'), (name) => findTable(ctx, name, undefined)),

  async delete(ctx, actual) {
    const dynamodb = ctx.aws.client(DynamoDBClient);
    await ignoreNotFound('ResourceNotFoundException', () => dynamodb.send(new DeleteTableCommand({ TableName: actual.name })));
    // A replacement with the same name can be made only once this one is gone.
    await ctx.aws.wait(`table ${actual.name} to be deleted`, (abortSignal) => waitUntilTableNotExists({ client: dynamodb, abortSignal, ...WAIT }, { TableName: actual.name }));
  },
};
