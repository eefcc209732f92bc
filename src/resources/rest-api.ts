// The counter's REST API itself, before anything is defined in it. Its id fixes the API's origin,
// which the headers policy's CSP names; the definition (`api`: methods, CORS preflight, stage)
// needs the site's origin from the distribution, which needs the headers policy. Making the REST
// API first, on its own, keeps that graph acyclic: restApi -> headersPolicy -> distribution -> api.
import { APIGatewayClient, CreateRestApiCommand, DeleteRestApiCommand, GetRestApiCommand } from '@aws-sdk/client-api-gateway';
import type { Observed, ResourceKind } from '../engine/types.ts';
import { ignoreNotFound } from './not-found.ts';
import { findRestApi } from './api.ts';

interface RestApiDesired {
  name: string;
  tags: Record<string, string>;
}

/** The origin (scheme and host) of a regional REST API's invoke URL. */
export function restApiOrigin(restApiId: string, region: string): string {
  return `https://${restApiId}.execute-api.${region}.amazonaws.com`;
}

export const restApi: ResourceKind<RestApiDesired, Observed> = {
  name: 'restApi',
  title: 'REST API id',
  dependsOn: [],

  label: (ctx, actual) => (actual ? `${ctx.names.api} (${actual.id})` : ctx.names.api),

  desired: (ctx) => ({ name: ctx.names.api, tags: ctx.tags }),

  async read(ctx, recorded) {
    const found = await findRestApi(ctx, recorded?.id);
    if (!found?.id) return undefined;
    return { id: found.id, outputs: { restApiId: found.id, apiOrigin: restApiOrigin(found.id, ctx.names.region) } };
  },

  // Its endpoint type, tags and everything in it are compared and repaired by `api`.
  diff: () => [],

  async create(ctx, desired) {
    // Names are not unique in API Gateway, so there is no "already exists" to adopt: read found none.
    const created = await ctx.aws.client(APIGatewayClient).send(new CreateRestApiCommand({
      name: desired.name,
      description: `resume-infra ${ctx.names.project}: visitor counter`,
      endpointConfiguration: { types: ['REGIONAL'] },
      tags: desired.tags,
    }));
    if (!created.id) throw new Error(`creating REST API (${desired.name}): CreateRestApi returned no id`);
    return { id: created.id };
  },

  async update() {
    // Nothing of its own to change: see diff.
  },

  async delete(ctx, actual) {
    // Usually gone already: `api`, which depends on it, deletes the REST API with everything in it.
    // Looked up first, since moto answers DeleteRestApi of a deleted API with an HTML page, not NotFoundException.
    const current = await ignoreNotFound('NotFoundException', () => ctx.aws.client(APIGatewayClient).send(new GetRestApiCommand({ restApiId: actual.id })));
    if (!current) return;
    await ignoreNotFound('NotFoundException', () => ctx.aws.client(APIGatewayClient).send(new DeleteRestApiCommand({ restApiId: actual.id })));
  },
};
