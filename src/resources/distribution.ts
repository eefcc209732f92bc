// The CloudFront distribution in front of the site bucket: HTTPS only, http2and3, IPv6,
// compression, managed caching and security-headers policies, index.html and a 404 page, and
// with a domain its aliases and ACM certificate. Every config change is an in-place update.
import {
  CloudFrontClient, CreateDistributionWithTagsCommand, DeleteDistributionCommand, GetDistributionCommand, GetDistributionConfigCommand,
  ListTagsForResourceCommand, paginateListDistributions, TagResourceCommand, UpdateDistributionCommand, waitUntilDistributionDeployed,
  type DistributionConfig, type HttpVersion, type Method, type PriceClass, type ViewerCertificate, type ViewerProtocolPolicy,
} from '@aws-sdk/client-cloudfront';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { TAG_KEY } from '../config.ts';
import { errorName } from '../errors.ts';
import { ignoreNotFound } from './not-found.ts';
import { readAheadById } from './read-ahead.ts';
import { mayBeOurDistribution, originAccessControlIdUnreported } from '../aws/emulator-quirks.ts';
import type { RecordedResource } from '../state/document.ts';
import { regionalDomainName } from './site-bucket.ts';
import { allSiteNames } from './redirect-names.ts';
import { changedTags, tagChanges, tagList, tagRecord } from './tags.ts';

/** AWS's managed CachingOptimized cache policy, referred to by its fixed id (moto does not implement cache policies). */
export const CACHING_OPTIMIZED_POLICY_ID = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const ORIGIN_ID = 'site-bucket';
const ERROR_PAGE = '/404.html';
const ERROR_CACHING_SECONDS = 10;
const METHODS: Method[] = ['GET', 'HEAD'];
const DEPLOY_WAIT = { minDelay: 3, maxDelay: 60, maxWaitTime: 60 * 60 };

/** The settings this tool manages, flattened so that they can be compared one by one. */
interface Settings {
  enabled: boolean;
  comment: string;
  originDomain: string | undefined;
  /** undefined = not reported: moto drops OriginAccessControlId from what it returns. */
  originAccessControlId: string | undefined;
  defaultRootObject: string | undefined;
  viewerProtocolPolicy: ViewerProtocolPolicy | undefined;
  allowedMethods: string;
  httpVersion: HttpVersion | undefined;
  ipv6: boolean;
  compress: boolean;
  priceClass: PriceClass | undefined;
  cachePolicyId: string | undefined;
  responseHeadersPolicyId: string | undefined;
  /** The ARN of the viewer-request CloudFront Function. */
  viewerRequestFunction: string | undefined;
  errorResponses: string;
  aliases: string;
  certificate: string;
}

export interface DistributionDesired {
  settings: Settings;
  certificateArn: string | undefined;
  callerReference: string;
  tags: Record<string, string>;
}

interface DistributionActual extends Observed {
  arn: string;
  domainName: string;
  status: string;
  settings: Settings;
  tags: Record<string, string>;
}

function certificateSetting(viewer: ViewerCertificate | undefined): string {
  if (!viewer || viewer.CloudFrontDefaultCertificate) return 'cloudfront-default';
  return `acm ${viewer.ACMCertificateArn ?? ''} ${viewer.SSLSupportMethod ?? ''} ${viewer.MinimumProtocolVersion ?? ''}`;
}

function errorResponsesSetting(items: ReadonlyArray<{ ErrorCode?: number; ResponsePagePath?: string; ResponseCode?: string; ErrorCachingMinTTL?: number }>): string {
  return [...items]
    .sort((a, b) => (a.ErrorCode ?? 0) - (b.ErrorCode ?? 0))
    .map((item) => `${item.ErrorCode ?? ''}>${item.ResponsePagePath ?? ''}:${item.ResponseCode ?? ''}/${item.ErrorCachingMinTTL ?? ''}s`)
    .join(',');
}

function settingsOf(config: DistributionConfig): Settings {
  const behavior = config.DefaultCacheBehavior;
  const origin = config.Origins?.Items?.find((candidate) => candidate.Id === behavior?.TargetOriginId);
  return {
    enabled: config.Enabled === true,
    comment: config.Comment ?? '',
    originDomain: origin?.DomainName,
    originAccessControlId: origin?.OriginAccessControlId,
    defaultRootObject: config.DefaultRootObject,
    viewerProtocolPolicy: behavior?.ViewerProtocolPolicy,
    allowedMethods: [...(behavior?.AllowedMethods?.Items ?? [])].sort().join(','),
    httpVersion: config.HttpVersion,
    ipv6: config.IsIPV6Enabled === true,
    compress: behavior?.Compress === true,
    priceClass: config.PriceClass,
    cachePolicyId: behavior?.CachePolicyId,
    responseHeadersPolicyId: behavior?.ResponseHeadersPolicyId,
    viewerRequestFunction: behavior?.FunctionAssociations?.Items?.find((item) => item.EventType === 'viewer-request')?.FunctionARN,
    errorResponses: errorResponsesSetting(config.CustomErrorResponses?.Items ?? []),
    aliases: [...(config.Aliases?.Items ?? [])].sort().join(','),
    certificate: certificateSetting(config.ViewerCertificate),
  };
}

/**
 * The full DistributionConfig for `desired`. On update, `current` is what AWS holds: fields this
 * tool does not manage (logging, WAF, geo restrictions) are kept, the managed ones replaced.
 */
export function buildConfig(desired: DistributionDesired, current?: DistributionConfig): DistributionConfig {
  const s = desired.settings;
  const aliases = s.aliases ? s.aliases.split(',') : [];
  const errorPage = (code: number) => ({ ErrorCode: code, ResponsePagePath: ERROR_PAGE, ResponseCode: '404', ErrorCachingMinTTL: ERROR_CACHING_SECONDS });
  const viewerCertificate: ViewerCertificate = desired.certificateArn
    ? { ACMCertificateArn: desired.certificateArn, SSLSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021', CloudFrontDefaultCertificate: false }
    : { CloudFrontDefaultCertificate: true };
  return {
    ...current,
    CallerReference: current?.CallerReference ?? desired.callerReference,
    Comment: s.comment,
    Enabled: s.enabled,
    DefaultRootObject: s.defaultRootObject,
    PriceClass: s.priceClass,
    HttpVersion: s.httpVersion,
    IsIPV6Enabled: s.ipv6,
    Aliases: { Quantity: aliases.length, Items: aliases },
    Origins: {
      Quantity: 1,
      Items: [{
        Id: ORIGIN_ID,
        DomainName: s.originDomain,
        OriginPath: '',
        OriginAccessControlId: s.originAccessControlId,
        // Empty: access goes through the OAC, not a legacy origin access identity.
        S3OriginConfig: { OriginAccessIdentity: '' },
        CustomHeaders: { Quantity: 0 },
      }],
    },
    OriginGroups: { Quantity: 0 },
    CacheBehaviors: { Quantity: 0 },
    DefaultCacheBehavior: {
      TargetOriginId: ORIGIN_ID,
      ViewerProtocolPolicy: s.viewerProtocolPolicy,
      AllowedMethods: { Quantity: METHODS.length, Items: METHODS, CachedMethods: { Quantity: METHODS.length, Items: METHODS } },
      Compress: s.compress,
      CachePolicyId: s.cachePolicyId,
      ResponseHeadersPolicyId: s.responseHeadersPolicyId,
      FunctionAssociations: s.viewerRequestFunction
        ? { Quantity: 1, Items: [{ EventType: 'viewer-request', FunctionARN: s.viewerRequestFunction }] }
        : { Quantity: 0 },
    },
    // 403 too: S3 answers 403 for a missing key when ListBucket is not allowed.
    CustomErrorResponses: { Quantity: 2, Items: [errorPage(403), errorPage(404)] },
    ViewerCertificate: viewerCertificate,
    Restrictions: current?.Restrictions ?? { GeoRestriction: { RestrictionType: 'none', Quantity: 0 } },
  };
}

/**
 * The site's URL as `up` leaves it: the configured domain, else the distribution's own name.
 * Derived from the config, not from the current aliases, so that a plan shows dependents (the
 * counter's allowed origins) the value `up` will set, never the one it is about to change.
 */
function siteUrl(ctx: ResourceContext, domainName: string): string {
  return ctx.config.domain ? `https://${ctx.config.domain}` : `https://${domainName}`;
}

/** `knownArn`: the ARN the state records for `id`, whose tags are then read along with the distribution. */
async function findDistributionById(ctx: ResourceContext, id: string, knownArn?: string): Promise<DistributionActual | undefined> {
  const cloudfront = ctx.aws.globalClient(CloudFrontClient);
  const tagsRead = readAheadById(knownArn, (resource) => cloudfront.send(new ListTagsForResourceCommand({ Resource: resource })));
  const distribution = (await ignoreNotFound('NoSuchDistribution', () => cloudfront.send(new GetDistributionCommand({ Id: id }))))?.Distribution;
  const { ARN: arn, DomainName: domainName, DistributionConfig: config } = distribution ?? {};
  if (!arn || !domainName || !config) return undefined;
  const tags = await tagsRead(arn);
  const settings = settingsOf(config);
  return {
    id,
    arn,
    outputs: { distributionId: id, distributionArn: arn, domainName, siteUrl: siteUrl(ctx, domainName) },
    domainName,
    status: distribution?.Status ?? 'unknown',
    settings,
    tags: tagRecord(tags.Tags?.Items),
  };
}

/**
 * The distribution tagged for this project. ListDistributions + ListTagsForResource rather than the
 * tagging API, which lags behind a create: a run that crashed right after creating must find it.
 */
async function findDistributionByTag(ctx: ResourceContext): Promise<DistributionActual | undefined> {
  const id = (await taggedDistributionIds(ctx)).ids[0];
  return id === undefined ? undefined : findDistributionById(ctx, id);
}

/**
 * The ids of every distribution tagged for this project, sorted. The tags of `assumeKept` (the
 * recorded distribution, which the orphan search keeps when it exists) are not read: its id comes
 * back in `unchecked` instead, for the caller to check should it not be kept after all.
 */
async function taggedDistributionIds(ctx: ResourceContext, assumeKept?: string): Promise<{ ids: string[]; unchecked: Array<{ id: string; arn: string | undefined }> }> {
  const cloudfront = ctx.aws.globalClient(CloudFrontClient);
  const originPrefix = `${ctx.names.siteBucket}.s3.`;
  const ids: string[] = [];
  const unchecked: Array<{ id: string; arn: string | undefined }> = [];
  for await (const page of paginateListDistributions({ client: cloudfront }, {})) {
    for (const summary of page.DistributionList?.Items ?? []) {
      if (!summary.Id || !mayBeOurDistribution(summary.Origins?.Items, originPrefix)) continue;
      if (summary.Id === assumeKept) unchecked.push({ id: summary.Id, arn: summary.ARN });
      else if (await taggedForProject(ctx, summary.ARN)) ids.push(summary.Id);
    }
  }
  return { ids: ids.sort(), unchecked };
}

async function taggedForProject(ctx: ResourceContext, arn: string | undefined): Promise<boolean> {
  const tags = tagRecord((await ctx.aws.globalClient(CloudFrontClient).send(new ListTagsForResourceCommand({ Resource: arn }))).Tags?.Items);
  return tags[TAG_KEY] === ctx.names.project;
}

async function findDistribution(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<DistributionActual | undefined> {
  if (recorded) {
    const found = await findDistributionById(ctx, recorded.id, recorded.arn);
    if (found) return found;
  }
  return findDistributionByTag(ctx);
}

async function currentConfig(ctx: ResourceContext, id: string): Promise<{ config: DistributionConfig; etag: string | undefined } | undefined> {
  const response = await ignoreNotFound('NoSuchDistribution', () => ctx.aws.globalClient(CloudFrontClient).send(new GetDistributionConfigCommand({ Id: id })));
  return response?.DistributionConfig ? { config: response.DistributionConfig, etag: response.ETag } : undefined;
}

async function createDistribution(ctx: ResourceContext, desired: DistributionDesired, callerReference: string): Promise<string> {
  try {
    const response = await ctx.aws.globalClient(CloudFrontClient).send(new CreateDistributionWithTagsCommand({
      DistributionConfigWithTags: { DistributionConfig: buildConfig({ ...desired, callerReference }), Tags: { Items: tagList(desired.tags) } },
    }));
    const id = response.Distribution?.Id;
    if (!id) throw new Error('CloudFront returned no distribution id');
    return id;
  } catch (error) {
    if (errorName(error) !== 'DistributionAlreadyExists') throw error;
    // A run that crashed before recording it made one with this CallerReference: adopt it.
    const existing = await findDistributionByTag(ctx);
    if (existing) return existing.id;
    // The reference belongs to a distribution that is no longer ours (deleted, or untagged by hand).
    if (callerReference !== desired.callerReference) throw error;
    return createDistribution(ctx, desired, `${desired.callerReference}-${Date.now()}`);
  }
}

export const distribution: ResourceKind<DistributionDesired, DistributionActual> = {
  name: 'distribution',
  title: 'CloudFront distribution',
  dependsOn: ['siteBucket', 'oac', 'certificate', 'edgeFunction', 'headersPolicy'],

  label: (ctx, actual) => (actual ? `${actual.id} (${actual.domainName})` : `${ctx.names.project} site`),

  async desired(ctx) {
    const certificateArn = ctx.config.domain ? ctx.output('certificate', 'certificateArn') : undefined;
    const settings: Settings = {
      enabled: true,
      comment: `resume-infra ${ctx.names.project} site`,
      originDomain: regionalDomainName(ctx.names.siteBucket, ctx.names.region),
      originAccessControlId: ctx.output('oac', 'oacId'),
      defaultRootObject: 'index.html',
      viewerProtocolPolicy: 'redirect-to-https',
      allowedMethods: [...METHODS].sort().join(','),
      httpVersion: 'http2and3',
      ipv6: true,
      compress: true,
      priceClass: ctx.config.cdn.priceClass,
      cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
      responseHeadersPolicyId: ctx.output('headersPolicy', 'responseHeadersPolicyId'),
      viewerRequestFunction: ctx.output('edgeFunction', 'functionArn'),
      errorResponses: errorResponsesSetting([403, 404].map((code) => ({ ErrorCode: code, ResponsePagePath: ERROR_PAGE, ResponseCode: '404', ErrorCachingMinTTL: ERROR_CACHING_SECONDS }))),
      // The domain and the names that redirect to it (the edge function answers those with a 301).
      aliases: (await allSiteNames(ctx)).sort().join(','),
      certificate: certificateArn ? `acm ${certificateArn} sni-only TLSv1.2_2021` : 'cloudfront-default',
    };
    return { settings, certificateArn, callerReference: `resume-infra-${ctx.names.project}-${ctx.names.account}`, tags: ctx.tags };
  },

  read: (ctx, recorded) => findDistribution(ctx, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    for (const key of Object.keys(desired.settings) as Array<keyof Settings>) {
      const from = actual.settings[key];
      const to = desired.settings[key];
      if (key === 'originAccessControlId' && originAccessControlIdUnreported(actual.settings.originAccessControlId)) continue;
      if (from !== to) changes.push({ field: key, from, to });
    }
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    // No wait for Deployed (minutes on AWS): the bucket policy and the DNS records need only the
    // id, ARN and domain name, and CloudFront finishes deploying on its own.
    return { id: await createDistribution(ctx, desired, desired.callerReference) };
  },

  async update(ctx, desired, actual, changes) {
    const cloudfront = ctx.aws.globalClient(CloudFrontClient);
    if (changes.some((change) => !change.field.startsWith('tags.'))) {
      const current = await currentConfig(ctx, actual.id);
      if (!current) throw new Error(`updating CloudFront distribution (${actual.id}): it vanished`);
      // IfMatch: a change made by someone else since the read fails instead of being overwritten.
      // Not waiting for Deployed, as in create.
      await cloudfront.send(new UpdateDistributionCommand({ Id: actual.id, IfMatch: current.etag, DistributionConfig: buildConfig(desired, current.config) }));
    }
    const tagsToSet = changedTags(desired.tags, changes);
    if (Object.keys(tagsToSet).length > 0) {
      await cloudfront.send(new TagResourceCommand({ Resource: actual.arn, Tags: { Items: tagList(tagsToSet) } }));
    }
  },

  /** A second tagged distribution: made by a run that crashed before recording it, or by hand. */
  async orphans(ctx, keep, recorded) {
    // The recorded distribution is the current one whenever it exists: its tags are read only if
    // it turns out not to be kept.
    const { ids: tagged, unchecked } = await taggedDistributionIds(ctx, recorded?.id);
    const kept = await keep;
    const lateTagged = await Promise.all(unchecked.filter(({ id }) => !kept.has(id)).map(async ({ id, arn }) => (await taggedForProject(ctx, arn) ? [id] : [])));
    const ids = [...tagged, ...lateTagged.flat()].filter((id) => !kept.has(id)).sort();
    const found = await Promise.all(ids.map((id) => findDistributionById(ctx, id)));
    return found.filter((actual): actual is DistributionActual => actual !== undefined);
  },

  async delete(ctx, actual) {
    // AWS deletes only a disabled, deployed distribution (moto deletes any). Each step reads the
    // current state first, so a destroy interrupted anywhere picks up where it stopped.
    // GetDistribution answers the config, its ETag and the status in one read.
    const cloudfront = ctx.aws.globalClient(CloudFrontClient);
    const read = () => ignoreNotFound('NoSuchDistribution', () => cloudfront.send(new GetDistributionCommand({ Id: actual.id })));
    let current = await read();
    const config = current?.Distribution?.DistributionConfig;
    if (!current || !config) return;
    if (config.Enabled) {
      await cloudfront.send(new UpdateDistributionCommand({ Id: actual.id, IfMatch: current.ETag, DistributionConfig: { ...config, Enabled: false } }));
      current = await read();
      if (!current?.Distribution) return;
    }
    if (current.Distribution?.Status !== 'Deployed') {
      ctx.note('waiting for CloudFront to deploy the disabled distribution (often 5-15 min)…');
      await ctx.aws.wait(`distribution ${actual.id} to be deployed`, (abortSignal) => waitUntilDistributionDeployed({ client: cloudfront, abortSignal, ...DEPLOY_WAIT }, { Id: actual.id }));
      current = await read();
      if (!current?.Distribution) return;
    }
    const etag = current.ETag;
    await ignoreNotFound('NoSuchDistribution', () => cloudfront.send(new DeleteDistributionCommand({ Id: actual.id, IfMatch: etag })));
  },
};
