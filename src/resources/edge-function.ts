// The viewer-request CloudFront Function (src/edge/viewer-request.js): clean URLs, the redirect of
// `redirectFrom` names to the domain, and the prefix of the live release. This module owns its
// settings (domain, redirect names, comment, runtime, tags); the live release belongs to the
// site step and `rollback` (src/edge/function-api.ts), so `up` never moves it back or forth.
// Found by its deterministic name; AWS keeps function names unique per account.
import {
  CloudFrontClient, CreateFunctionCommand, DeleteFunctionCommand, ListTagsForResourceCommand, PublishFunctionCommand, TagResourceCommand,
} from '@aws-sdk/client-cloudfront';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import { buildFunctionCode, edgeFunctionComment, FUNCTION_RUNTIME, type EdgeSettings } from '../edge/code.ts';
import { describeFunction, forgetStageReads, NO_SUCH_FUNCTION, readStage, writeAndPublish, type StageCode } from '../edge/function-api.ts';
import type { RecordedResource } from '../state/document.ts';
import { ignoreNotFound } from './not-found.ts';
import { readAheadById } from './read-ahead.ts';
import { redirectNames } from './redirect-names.ts';
import { changedTags, tagChanges, tagList, tagRecord } from './tags.ts';

interface EdgeFunctionDesired {
  comment: string;
  domain: string | null;
  redirectFrom: string[];
  tags: Record<string, string>;
}

interface EdgeFunctionActual extends Observed {
  arn: string;
  comment: string;
  runtime: string;
  /** What visitors get; undefined when never published. */
  live: StageCode | undefined;
  tags: Record<string, string>;
}

function settingsFor(desired: EdgeFunctionDesired, release: string): EdgeSettings {
  return { domain: desired.domain, redirectFrom: [...desired.redirectFrom].sort(), release };
}

async function readFunction(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<EdgeFunctionActual | undefined> {
  const name = ctx.names.edgeFunction;
  // The state records the function's ARN: its tags are read along with its description.
  const tagsRead = readAheadById(recorded?.arn, (arn) => ctx.aws.globalClient(CloudFrontClient).send(new ListTagsForResourceCommand({ Resource: arn })));
  const [described, live] = await Promise.all([describeFunction(ctx.aws, name, 'DEVELOPMENT'), readStage(ctx.aws, name, 'LIVE')]);
  if (!described) return undefined;
  const tags = await tagsRead(described.arn);
  return {
    id: name,
    arn: described.arn,
    outputs: { functionName: name, functionArn: described.arn },
    comment: described.comment,
    runtime: described.runtime,
    live,
    tags: tagRecord(tags.Tags?.Items),
  };
}

export const edgeFunction: ResourceKind<EdgeFunctionDesired, EdgeFunctionActual> = {
  name: 'edgeFunction',
  title: 'CloudFront function',
  dependsOn: [],

  label: (ctx) => ctx.names.edgeFunction,

  async desired(ctx) {
    return {
      comment: edgeFunctionComment(ctx.names.project),
      domain: ctx.config.domain ?? null,
      redirectFrom: (await redirectNames(ctx)).sort(),
      tags: ctx.tags,
    };
  },

  read: (ctx, recorded) => readFunction(ctx, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    if (actual.comment !== desired.comment) changes.push({ field: 'comment', from: actual.comment, to: desired.comment });
    if (actual.runtime !== FUNCTION_RUNTIME) changes.push({ field: 'runtime', from: actual.runtime, to: FUNCTION_RUNTIME });
    const live = actual.live;
    if (!live) {
      changes.push({ field: 'published', from: false, to: true });
    } else if (!live.settings) {
      changes.push({ field: 'code', from: '(edited outside resume-infra)', to: '(generated)' });
    } else {
      if (live.settings.domain !== desired.domain) changes.push({ field: 'domain', from: live.settings.domain, to: desired.domain });
      const from = [...live.settings.redirectFrom].sort().join(',');
      const to = desired.redirectFrom.join(',');
      if (from !== to) changes.push({ field: 'redirectFrom', from: live.settings.redirectFrom, to: desired.redirectFrom });
      // Same settings, other code: this version of resume-infra generates the function differently.
      if (changes.length === 0 && buildFunctionCode(settingsFor(desired, live.settings.release)) !== live.code) {
        changes.push({ field: 'code', from: '(an earlier resume-infra version)', to: '(this version)' });
      }
    }
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    const cloudfront = ctx.aws.globalClient(CloudFrontClient);
    const name = ctx.names.edgeFunction;
    try {
      // Created serving the bucket root: the site step publishes the first release and switches to it.
      forgetStageReads(ctx.aws, name);
      const created = await cloudfront.send(new CreateFunctionCommand({
        Name: name,
        FunctionConfig: { Comment: desired.comment, Runtime: FUNCTION_RUNTIME },
        FunctionCode: Buffer.from(buildFunctionCode(settingsFor(desired, ''))),
        Tags: { Items: tagList(desired.tags) },
      }));
      const arn = created.FunctionSummary?.FunctionMetadata?.FunctionARN;
      // A distribution can only use a published function.
      forgetStageReads(ctx.aws, name);
      await cloudfront.send(new PublishFunctionCommand({ Name: name, IfMatch: created.ETag }));
      return { id: name, ...(arn ? { arn } : {}) };
    } catch (error) {
      // Made by a run that crashed before recording it: the engine reads it and converges it.
      if (errorName(error) !== 'FunctionAlreadyExists') throw error;
      return { id: name };
    }
  },

  async update(ctx, desired, actual, changes) {
    const settingsChanged = changes.some((change) => !change.field.startsWith('tags.'));
    if (settingsChanged) {
      const configChanged = changes.some((change) => change.field === 'comment' || change.field === 'runtime');
      // The release stays: LIVE's, else (never published, or edited by hand) the one DEVELOPMENT names.
      const release = actual.live?.settings?.release;
      await writeAndPublish(ctx.aws, ctx.names.edgeFunction, desired.comment, { domain: desired.domain, redirectFrom: desired.redirectFrom, ...(release === undefined ? {} : { release }) }, { configChanged });
    }
    const tagsToSet = changedTags(desired.tags, changes);
    if (Object.keys(tagsToSet).length > 0) {
      await ctx.aws.globalClient(CloudFrontClient).send(new TagResourceCommand({ Resource: actual.arn, Tags: { Items: tagList(tagsToSet) } }));
    }
  },

  async delete(ctx, actual) {
    // The distribution that uses it is deleted first (it depends on this function); the ETag is read fresh.
    const current = await describeFunction(ctx.aws, actual.id, 'DEVELOPMENT');
    if (!current) return;
    forgetStageReads(ctx.aws, actual.id);
    await ignoreNotFound(NO_SUCH_FUNCTION, () => ctx.aws.globalClient(CloudFrontClient).send(new DeleteFunctionCommand({ Name: actual.id, IfMatch: current.etag })));
  },
};
