// The project's CloudFront response headers policy (`<project>-headers`): HSTS, the strict CSP,
// nosniff, DENY, the referrer and permissions policies, Server-Timing off. The values come from
// src/edge/security-headers.ts, which `dev` and `verify` use too. Response headers policies
// cannot be tagged, so the finder goes by recorded id, then by name (names are unique per account).
import {
  CloudFrontClient, CreateResponseHeadersPolicyCommand, DeleteResponseHeadersPolicyCommand, GetResponseHeadersPolicyCommand,
  ListResponseHeadersPoliciesCommand, UpdateResponseHeadersPolicyCommand, type ResponseHeadersPolicyConfig,
} from '@aws-sdk/client-cloudfront';
import { responseHeadersPolicyConfig } from '../edge/security-headers.ts';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import type { RecordedResource } from '../state/document.ts';
import { ignoreNotFound } from './not-found.ts';

interface HeadersPolicyDesired {
  config: ResponseHeadersPolicyConfig;
}

interface HeadersPolicyActual extends Observed {
  config: ResponseHeadersPolicyConfig;
  etag: string | undefined;
}

const NOT_FOUND = 'NoSuchResponseHeadersPolicy';

export function headersPolicyName(ctx: ResourceContext): string {
  return `${ctx.names.project}-headers`;
}

function desiredConfig(ctx: ResourceContext): ResponseHeadersPolicyConfig {
  const comment = `resume-infra ${ctx.names.project}: security headers`;
  return responseHeadersPolicyConfig(headersPolicyName(ctx), comment, ctx.config.headers, ctx.output('restApi', 'apiOrigin'));
}

function overridden(value: string | undefined, override: boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  return override ? value : `${value} (the origin's value wins)`;
}

/** What the policy makes CloudFront send, header by header, in the words a plan shows. */
function policyFields(config: ResponseHeadersPolicyConfig): Record<string, string | undefined> {
  const security = config.SecurityHeadersConfig;
  const hsts = security?.StrictTransportSecurity;
  const fields: Record<string, string | undefined> = {
    comment: config.Comment,
    'Strict-Transport-Security': overridden(hsts && `max-age=${hsts.AccessControlMaxAgeSec}${hsts.IncludeSubdomains ? '; includeSubDomains' : ''}${hsts.Preload ? '; preload' : ''}`, hsts?.Override),
    'Content-Security-Policy': overridden(security?.ContentSecurityPolicy?.ContentSecurityPolicy, security?.ContentSecurityPolicy?.Override),
    'X-Content-Type-Options': overridden(security?.ContentTypeOptions && 'nosniff', security?.ContentTypeOptions?.Override),
    'X-Frame-Options': overridden(security?.FrameOptions?.FrameOption, security?.FrameOptions?.Override),
    'Referrer-Policy': overridden(security?.ReferrerPolicy?.ReferrerPolicy, security?.ReferrerPolicy?.Override),
    'X-XSS-Protection': security?.XSSProtection && `${security.XSSProtection.Protection ? 1 : 0}`,
    'Server-Timing': config.ServerTimingHeadersConfig?.Enabled ? 'on' : 'off',
    cors: config.CorsConfig ? 'set' : undefined,
    removeHeaders: config.RemoveHeadersConfig?.Items?.map((item) => item.Header).join(', ') || undefined,
  };
  for (const item of config.CustomHeadersConfig?.Items ?? []) if (item.Header) fields[item.Header] = overridden(item.Value, item.Override);
  return fields;
}

async function findPolicyById(ctx: ResourceContext, id: string): Promise<HeadersPolicyActual | undefined> {
  const response = await ignoreNotFound(NOT_FOUND, () => ctx.aws.globalClient(CloudFrontClient).send(new GetResponseHeadersPolicyCommand({ Id: id })));
  const config = response?.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig;
  if (!response || !config) return undefined;
  return { id, outputs: { responseHeadersPolicyId: id }, config, etag: response.ETag };
}

/** By name, among the account's custom policies. The SDK has no paginator for this list, hence the Marker loop. */
async function findPolicyByName(ctx: ResourceContext, name: string): Promise<HeadersPolicyActual | undefined> {
  const cloudfront = ctx.aws.globalClient(CloudFrontClient);
  let marker: string | undefined;
  do {
    const page = (await cloudfront.send(new ListResponseHeadersPoliciesCommand({ Type: 'custom', Marker: marker }))).ResponseHeadersPolicyList;
    const match = page?.Items?.find((item) => item.ResponseHeadersPolicy?.ResponseHeadersPolicyConfig?.Name === name);
    const id = match?.ResponseHeadersPolicy?.Id;
    if (id) return findPolicyById(ctx, id);
    marker = page?.NextMarker;
  } while (marker);
  return undefined;
}

async function findPolicy(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<HeadersPolicyActual | undefined> {
  if (recorded) {
    const found = await findPolicyById(ctx, recorded.id);
    if (found?.config.Name === headersPolicyName(ctx)) return found;
  }
  return findPolicyByName(ctx, headersPolicyName(ctx));
}

export const headersPolicy: ResourceKind<HeadersPolicyDesired, HeadersPolicyActual> = {
  name: 'headersPolicy',
  title: 'CloudFront response headers policy',
  dependsOn: ['restApi'],

  label: (ctx, actual) => (actual ? `${headersPolicyName(ctx)} (${actual.id})` : headersPolicyName(ctx)),

  desired: (ctx) => ({ config: desiredConfig(ctx) }),

  read: (ctx, recorded) => findPolicy(ctx, recorded),

  diff(desired, actual) {
    const want = policyFields(desired.config);
    const have = policyFields(actual.config);
    const fields = [...new Set([...Object.keys(want), ...Object.keys(have)])];
    return fields.filter((field) => want[field] !== have[field]).map((field): Change => ({ field, from: have[field], to: want[field] }));
  },

  async create(ctx, desired) {
    const name = desired.config.Name ?? headersPolicyName(ctx);
    try {
      const response = await ctx.aws.globalClient(CloudFrontClient).send(new CreateResponseHeadersPolicyCommand({ ResponseHeadersPolicyConfig: desired.config }));
      const id = response.ResponseHeadersPolicy?.Id;
      if (id) return { id };
    } catch (error) {
      // Names are unique: a run that crashed before recording it made this one; adopt it.
      if (errorName(error) !== 'ResponseHeadersPolicyAlreadyExists') throw error;
    }
    const existing = await findPolicyByName(ctx, name);
    if (!existing) throw new Error(`creating CloudFront response headers policy (${name}): not found right after creation`);
    return { id: existing.id };
  },

  async update(ctx, desired, actual) {
    // Read again for the current ETag: UpdateResponseHeadersPolicy replaces the whole config, checked by IfMatch.
    const current = await findPolicyById(ctx, actual.id);
    if (!current) throw new Error(`updating CloudFront response headers policy (${actual.id}): it vanished`);
    await ctx.aws.globalClient(CloudFrontClient).send(new UpdateResponseHeadersPolicyCommand({ Id: actual.id, IfMatch: current.etag, ResponseHeadersPolicyConfig: desired.config }));
  },

  async delete(ctx, actual) {
    const current = await findPolicyById(ctx, actual.id);
    if (!current) return;
    // A policy still attached to a distribution gives ResponseHeadersPolicyInUse: the distribution, which depends on it, goes first.
    await ignoreNotFound(NOT_FOUND, () => ctx.aws.globalClient(CloudFrontClient).send(new DeleteResponseHeadersPolicyCommand({ Id: actual.id, IfMatch: current.etag })));
  },
};
