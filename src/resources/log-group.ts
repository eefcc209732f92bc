// The counter function's log group, made before the function so it has a retention from the
// start (Lambda would otherwise create it on first invoke, kept forever, and the role may not
// create log groups anyway).
import {
  CloudWatchLogsClient, CreateLogGroupCommand, DeleteLogGroupCommand, ListTagsForResourceCommand, paginateDescribeLogGroups,
  PutRetentionPolicyCommand, TagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import type { RecordedResource } from '../state/document.ts';
import { ignoreNotFound } from './not-found.ts';
import { readAheadById } from './read-ahead.ts';
import { changedTags, hasChange, tagChanges } from './tags.ts';

interface LogGroupDesired {
  name: string;
  retentionDays: number;
  tags: Record<string, string>;
}

interface LogGroupActual extends Observed {
  name: string;
  retentionDays: number | undefined;
  tags: Record<string, string>;
}

async function findLogGroup(ctx: ResourceContext, name: string, recorded: RecordedResource | undefined): Promise<LogGroupActual | undefined> {
  const logs = ctx.aws.client(CloudWatchLogsClient);
  // The state records the group: its tags are read along with the listing.
  const tagsRead = readAheadById(recorded?.arn, (arn) => logs.send(new ListTagsForResourceCommand({ resourceArn: arn })));
  let found;
  for await (const page of paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: name })) {
    found = page.logGroups?.find((group) => group.logGroupName === name);
    if (found) break;
  }
  if (!found) return undefined;
  // `arn` ends in `:*`; `logGroupArn` is the form the tagging API takes.
  const arn = found.logGroupArn ?? (found.arn ?? '').replace(/:\*$/, '');
  const tags = await tagsRead(arn);
  return { id: name, arn, outputs: { logGroupName: name, logGroupArn: arn }, name, retentionDays: found.retentionInDays, tags: tags.tags ?? {} };
}

export const logGroup: ResourceKind<LogGroupDesired, LogGroupActual> = {
  name: 'logGroup',
  title: 'log group',
  dependsOn: [],

  label: (ctx) => ctx.names.logGroup,

  desired: (ctx) => ({ name: ctx.names.logGroup, retentionDays: ctx.config.counter.logRetentionDays, tags: ctx.tags }),

  read: (ctx, recorded) => findLogGroup(ctx, ctx.names.logGroup, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    if (actual.retentionDays !== desired.retentionDays) changes.push({ field: 'retentionDays', from: actual.retentionDays ?? 'never expire', to: desired.retentionDays });
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    try {
      await ctx.aws.client(CloudWatchLogsClient).send(new CreateLogGroupCommand({ logGroupName: desired.name, tags: desired.tags }));
    } catch (error) {
      // Made by a crashed run, or by Lambda itself on a first invoke: adopt it.
      if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
    }
    return { id: desired.name };
  },

  async update(ctx, desired, actual, changes) {
    const logs = ctx.aws.client(CloudWatchLogsClient);
    if (hasChange(changes, 'retentionDays')) {
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: actual.name, retentionInDays: desired.retentionDays }));
    }
    if (hasChange(changes, 'tags') && actual.arn) {
      await logs.send(new TagResourceCommand({ resourceArn: actual.arn, tags: changedTags(desired.tags, changes) }));
    }
  },

  async delete(ctx, actual) {
    await ignoreNotFound('ResourceNotFoundException', () => ctx.aws.client(CloudWatchLogsClient).send(new DeleteLogGroupCommand({ logGroupName: actual.name })));
  },
};
