// The HMAC key for visitor IPs: an SSM SecureString made once from 32 random bytes. The tool
// never reads its value back, so it cannot print it or write it to the state.
import { randomBytes } from 'node:crypto';
import {
  AddTagsToResourceCommand, DeleteParameterCommand, DescribeParametersCommand, ListTagsForResourceCommand, PutParameterCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import type { RecordedResource } from '../state/document.ts';
import { ignoreNotFound } from './not-found.ts';
import { readAhead } from './read-ahead.ts';
import { arnName, orphansByTag } from './tagged.ts';
import { changedTags, tagChanges, tagList, tagRecord } from './tags.ts';

interface SecretDesired {
  name: string;
  tags: Record<string, string>;
}

interface SecretActual extends Observed {
  name: string;
  type: string;
  tags: Record<string, string>;
}

async function findParameter(ctx: ResourceContext, name: string, recorded: RecordedResource | undefined): Promise<SecretActual | undefined> {
  const ssm = ctx.aws.client(SSMClient);
  // The state records the parameter: its tags are read along with its description.
  const tagsRead = readAhead(recorded !== undefined, () => ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name })));
  const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }));
  const parameter = described.Parameters?.find((candidate) => candidate.Name === name);
  if (!parameter) return undefined;
  const tags = await tagsRead();
  const arn = parameter.ARN ?? `arn:aws:ssm:${ctx.names.region}:${ctx.names.account}:parameter${name}`;
  return { id: name, arn, outputs: { parameterName: name, parameterArn: arn }, name, type: parameter.Type ?? 'String', tags: tagRecord(tags.TagList) };
}

export const secret: ResourceKind<SecretDesired, SecretActual> = {
  name: 'secret',
  title: 'SSM secret',
  dependsOn: [],
  holdsData: true,
  replaceDeletesFirst: true,

  label: (ctx, actual) => actual?.name ?? ctx.names.secretParameter,

  desired: (ctx) => ({ name: ctx.names.secretParameter, tags: ctx.tags }),

  read: (ctx, recorded) => findParameter(ctx, ctx.names.secretParameter, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    // A plain String may have been read by anyone with ssm:GetParameter: a new key it is.
    if (actual.type !== 'SecureString') changes.push({ field: 'type', from: actual.type, to: 'SecureString', replace: true });
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    try {
      await ctx.aws.client(SSMClient).send(new PutParameterCommand({
        Name: desired.name,
        Description: `resume-infra ${ctx.names.project}: HMAC key for visitor IPs (created once, never printed)`,
        Value: randomBytes(32).toString('base64'),
        Type: 'SecureString',
        Overwrite: false,
        Tags: tagList(desired.tags),
      }));
    } catch (error) {
      // A crashed run made it already; the value stays what it is.
      if (errorName(error) !== 'ParameterAlreadyExists') throw error;
    }
    return { id: desired.name };
  },

  async update(ctx, desired, actual, changes) {
    await ctx.aws.client(SSMClient).send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: actual.name, Tags: tagList(changedTags(desired.tags, changes)) }));
  },

  // Parameter names start with `/`, which the ARN keeps after `:parameter`.
  orphans: (ctx, keep) => orphansByTag(ctx, keep, 'ssm', (arn) => arnName(arn, ':parameter'), (name) => findParameter(ctx, name, undefined)),

  async delete(ctx, actual) {
    await ignoreNotFound('ParameterNotFound', () => ctx.aws.client(SSMClient).send(new DeleteParameterCommand({ Name: actual.name })));
  },
};
