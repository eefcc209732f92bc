// The CloudFront Origin Access Control that signs the distribution's requests to the site bucket
// (S3, SigV4, always). OACs cannot be tagged, so the finder goes by recorded id, then by name.
import {
  CloudFrontClient, CreateOriginAccessControlCommand, DeleteOriginAccessControlCommand, GetOriginAccessControlCommand,
  paginateListOriginAccessControls, UpdateOriginAccessControlCommand, type OriginAccessControlConfig,
} from '@aws-sdk/client-cloudfront';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import { ignoreNotFound } from './not-found.ts';
import { oneOfSameNamedOacs } from '../aws/emulator-quirks.ts';
import type { RecordedResource } from '../state/document.ts';

interface OacDesired {
  config: OriginAccessControlConfig;
}

interface OacActual extends Observed {
  name: string;
  originType: string | undefined;
  signingBehavior: string | undefined;
  signingProtocol: string | undefined;
  description: string | undefined;
  etag: string | undefined;
}

function desiredConfig(ctx: ResourceContext): OriginAccessControlConfig {
  return {
    Name: ctx.names.oac,
    Description: `resume-infra ${ctx.names.project}: CloudFront reads the site bucket`,
    OriginAccessControlOriginType: 's3',
    SigningBehavior: 'always',
    SigningProtocol: 'sigv4',
  };
}

/** By id; undefined when it does not exist. (GetOriginAccessControl, since moto answers GetOriginAccessControlConfig with a 500.) */
async function findOacById(ctx: ResourceContext, id: string): Promise<OacActual | undefined> {
  const response = await ignoreNotFound('NoSuchOriginAccessControl', () => ctx.aws.globalClient(CloudFrontClient).send(new GetOriginAccessControlCommand({ Id: id })));
  const config = response?.OriginAccessControl?.OriginAccessControlConfig;
  if (!response || !config) return undefined;
  return {
    id,
    outputs: { oacId: id },
    name: config.Name ?? '',
    originType: config.OriginAccessControlOriginType,
    signingBehavior: config.SigningBehavior,
    signingProtocol: config.SigningProtocol,
    description: config.Description,
    etag: response.ETag,
  };
}

/** By name. AWS keeps names unique; moto does not, so with several the lowest id wins, every time. */
async function findOacByName(ctx: ResourceContext, name: string): Promise<OacActual | undefined> {
  const ids: string[] = [];
  for await (const page of paginateListOriginAccessControls({ client: ctx.aws.globalClient(CloudFrontClient) }, {})) {
    for (const item of page.OriginAccessControlList?.Items ?? []) if (item.Name === name && item.Id) ids.push(item.Id);
  }
  const id = oneOfSameNamedOacs(ids);
  return id === undefined ? undefined : findOacById(ctx, id);
}

async function findOac(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<OacActual | undefined> {
  if (recorded) {
    const found = await findOacById(ctx, recorded.id);
    if (found) return found;
  }
  return findOacByName(ctx, ctx.names.oac);
}

export const oac: ResourceKind<OacDesired, OacActual> = {
  name: 'oac',
  title: 'CloudFront origin access control',
  dependsOn: [],

  label: (ctx, actual) => (actual ? `${ctx.names.oac} (${actual.id})` : ctx.names.oac),

  desired: (ctx) => ({ config: desiredConfig(ctx) }),

  read: (ctx, recorded) => findOac(ctx, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    const wanted = desired.config;
    const fields: Array<[string, string | undefined, string | undefined]> = [
      ['name', actual.name, wanted.Name],
      ['originType', actual.originType, wanted.OriginAccessControlOriginType],
      ['signingBehavior', actual.signingBehavior, wanted.SigningBehavior],
      ['signingProtocol', actual.signingProtocol, wanted.SigningProtocol],
    ];
    for (const [field, from, to] of fields) if (from !== to) changes.push({ field, from, to });
    return changes;
  },

  async create(ctx, desired) {
    const cloudfront = ctx.aws.globalClient(CloudFrontClient);
    let id: string | undefined;
    try {
      const response = await cloudfront.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: desired.config }));
      id = response.OriginAccessControl?.Id;
    } catch (error) {
      // AWS keeps OAC names unique: one with this name was made by a run that crashed before recording it.
      if (errorName(error) !== 'OriginAccessControlAlreadyExists') throw error;
    }
    const existing = id ? undefined : await findOacByName(ctx, ctx.names.oac);
    const identity = id ?? existing?.id;
    if (!identity) throw new Error(`creating CloudFront origin access control (${desired.config.Name}): not found right after creation`);
    return { id: identity };
  },

  async update(ctx, desired, actual) {
    const current = await findOacById(ctx, actual.id);
    if (!current) throw new Error(`updating CloudFront origin access control (${actual.id}): it vanished`);
    await ctx.aws.globalClient(CloudFrontClient).send(new UpdateOriginAccessControlCommand({
      Id: actual.id, IfMatch: current.etag, OriginAccessControlConfig: desired.config,
    }));
  },

  async delete(ctx, actual) {
    // Read first for the latest ETag; this is also how a missing OAC shows, since moto answers
    // DeleteOriginAccessControl of a missing id with a 500 instead of NoSuchOriginAccessControl.
    const current = await findOacById(ctx, actual.id);
    if (!current) return;
    // An OAC still used by a distribution gives OriginAccessControlInUse: the distribution is deleted first.
    await ignoreNotFound('NoSuchOriginAccessControl', () => ctx.aws.globalClient(CloudFrontClient).send(new DeleteOriginAccessControlCommand({ Id: actual.id, IfMatch: current.etag })));
  },
};
