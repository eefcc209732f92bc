// The counter's DynamoDB table: on-demand, key `pk`, TTL on `expiresAt`, point-in-time recovery.
import {
  CreateTableCommand, DeleteTableCommand, DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand,
  DynamoDBClient, ListTagsOfResourceCommand, TagResourceCommand, UpdateContinuousBackupsCommand, UpdateTableCommand,
  UpdateTimeToLiveCommand, waitUntilTableExists, waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName, UserError } from '../errors.ts';
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

async function findTable(ctx: ResourceContext, name: string): Promise<TableActual | undefined> {
  const dynamodb = ctx.aws.client(DynamoDBClient);
  let table;
  try {
    table = (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  // A table on its way out is gone as far as the next create is concerned.
  if (!table?.TableArn || table.TableStatus === 'DELETING') return undefined;
  const [ttl, backups, tags] = await Promise.all([
    dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name })),
    dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name })),
    dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: table.TableArn })),
  ]);
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

  label: (ctx) => ctx.names.table,

  desired: (ctx) => ({ name: ctx.names.table, tags: ctx.tags }),

  read: (ctx) => findTable(ctx, ctx.names.table),

  diff(desired, actual) {
    const changes: Change[] = [];
    if (actual.keySchema !== `${PARTITION_KEY}:HASH`) changes.push({ field: 'keySchema', from: actual.keySchema, to: `${PARTITION_KEY}:HASH` });
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
      const existing = await findTable(ctx, desired.name);
      if (!existing) {
        await ctx.aws.wait(`table ${desired.name} to be deleted`, (abortSignal) => waitUntilTableNotExists({ client: dynamodb, abortSignal, ...WAIT }, { TableName: desired.name }));
        return table.create(ctx, desired);
      }
    }
    // UpdateTimeToLive needs the table ACTIVE.
    await ctx.aws.wait(`table ${desired.name} to be ACTIVE`, (abortSignal) => waitUntilTableExists({ client: dynamodb, abortSignal, ...WAIT }, { TableName: desired.name }));
    const created = await findTable(ctx, desired.name);
    if (!created) throw new Error(`creating DynamoDB table (${desired.name}): it vanished right after creation`);
    const changes = table.diff(desired, created);
    return changes.length > 0 ? table.update(ctx, desired, created, changes) : created;
  },

  async update(ctx, desired, actual, changes) {
    const dynamodb = ctx.aws.client(DynamoDBClient);
    if (hasChange(changes, 'keySchema')) {
      throw new UserError(`table ${actual.name} has key schema ${actual.keySchema}, not ${PARTITION_KEY}:HASH, so it was not made by resume-infra; rename the project or delete that table`);
    }
    if (hasChange(changes, 'billingMode')) {
      await dynamodb.send(new UpdateTableCommand({ TableName: actual.name, BillingMode: 'PAY_PER_REQUEST' }));
      await ctx.aws.wait(`table ${actual.name} to be ACTIVE`, (abortSignal) => waitUntilTableExists({ client: dynamodb, abortSignal, ...WAIT }, { TableName: actual.name }));
    }
    if (hasChange(changes, 'timeToLive')) await enableTtl(ctx, actual.name);
    if (hasChange(changes, 'pointInTimeRecovery')) await enablePitr(ctx, actual.name);
    if (hasChange(changes, 'tags') && actual.arn) {
      await dynamodb.send(new TagResourceCommand({ ResourceArn: actual.arn, Tags: tagList(changedTags(desired.tags, changes)) }));
    }
    const updated = await findTable(ctx, actual.name);
    if (!updated) throw new Error(`updating DynamoDB table (${actual.name}): it vanished during the update`);
    return updated;
  },

  async delete(ctx, actual) {
    try {
      await ctx.aws.client(DynamoDBClient).send(new DeleteTableCommand({ TableName: actual.name }));
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
  },
};
