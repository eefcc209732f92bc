// Counts what exists for one project in every service the stack touches, through the SDK against
// the emulator: by name and by the `resume-infra:project` tag, never from the state. The crash,
// throttling and two-machine tests use it to prove "exactly one of each" after `up` and "nothing
// left" after `destroy`. No node:test imports here.
import { ACMClient, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { APIGatewayClient, GetResourcesCommand, GetRestApisCommand, GetStagesCommand } from '@aws-sdk/client-api-gateway';
import { CloudFrontClient, ListDistributionsCommand, ListOriginAccessControlsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-cloudfront';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { IAMClient, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetPolicyCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { GetResourcesCommand as GetTaggedResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import {
  GetBucketEncryptionCommand, GetBucketTaggingCommand, GetBucketVersioningCommand, GetPublicAccessBlockCommand,
  ListBucketsCommand, S3Client,
} from '@aws-sdk/client-s3';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { objectExists } from './s3.ts';

export const PROJECT_TAG = 'resume-infra:project';

/** Every kind of thing `up` makes for a project with a domain; `up` must leave exactly one of each. */
export const CENSUS_KINDS = [
  'siteBuckets', 'distributions', 'originAccessControls', 'certificates', 'validationRecords', 'aRecords', 'aaaaRecords',
  'tables', 'parameters', 'roles', 'roleInlinePolicies', 'logGroups', 'functions', 'permissionStatements',
  'restApis', 'countResources', 'stages',
] as const;

export type CensusKind = (typeof CENSUS_KINDS)[number];

export interface Census {
  counts: Record<CensusKind, number>;
  /** ARNs the tagging API finds with the project tag in the project region and us-east-1, minus the state bucket. */
  tagged: string[];
  stateBucket: boolean;
  /** The state bucket's bootstrap settings that are missing (versioning, encryption, public access block, tags); empty when complete. */
  stateBucketMissing: string[];
  stateObject: boolean;
  lock: boolean;
}

export interface CensusTarget {
  endpoint: string;
  project: string;
  region: string;
  account: string;
  /** The custom domain; its zone is found as the domain's parent. */
  domain: string;
  stateBucket: string;
  stateKey: string;
}

const GLOBAL = 'us-east-1';

function clients(endpoint: string, region: string) {
  const base = { endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  return {
    s3: new S3Client({ ...base, region, forcePathStyle: true }),
    cloudfront: new CloudFrontClient({ ...base, region: GLOBAL }),
    acm: [new ACMClient({ ...base, region: GLOBAL }), new ACMClient({ ...base, region })],
    route53: new Route53Client({ ...base, region: GLOBAL }),
    dynamodb: new DynamoDBClient({ ...base, region }),
    ssm: new SSMClient({ ...base, region }),
    iam: new IAMClient({ ...base, region: GLOBAL }),
    logs: new CloudWatchLogsClient({ ...base, region }),
    lambda: new LambdaClient({ ...base, region }),
    apigateway: new APIGatewayClient({ ...base, region }),
    tagging: [new ResourceGroupsTaggingAPIClient({ ...base, region }), new ResourceGroupsTaggingAPIClient({ ...base, region: GLOBAL })],
  };
}

type Clients = ReturnType<typeof clients>;

const isOurs = (project: string, tags: Record<string, string | undefined> | undefined): boolean => tags?.[PROJECT_TAG] === project;

const tagsOf = (list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));

async function siteBuckets(c: Clients, t: CensusTarget): Promise<number> {
  const buckets = (await c.s3.send(new ListBucketsCommand({}))).Buckets ?? [];
  let count = 0;
  for (const bucket of buckets) {
    if (!bucket.Name || bucket.Name === t.stateBucket) continue;
    const tagging = await c.s3.send(new GetBucketTaggingCommand({ Bucket: bucket.Name })).catch(() => undefined);
    if (bucket.Name.startsWith(`${t.project}-`) || isOurs(t.project, tagsOf(tagging?.TagSet))) count += 1;
  }
  return count;
}

async function distributions(c: Clients, t: CensusTarget): Promise<number> {
  const items = (await c.cloudfront.send(new ListDistributionsCommand({}))).DistributionList?.Items ?? [];
  let count = 0;
  for (const item of items) {
    const tags = tagsOf((await c.cloudfront.send(new ListTagsForResourceCommand({ Resource: item.ARN }))).Tags?.Items);
    const origin = (item.Origins?.Items ?? []).some((candidate) => candidate.DomainName?.startsWith(`${t.project}-site-`));
    if (isOurs(t.project, tags) || origin) count += 1;
  }
  return count;
}

async function originAccessControls(c: Clients, t: CensusTarget): Promise<number> {
  const items = (await c.cloudfront.send(new ListOriginAccessControlsCommand({}))).OriginAccessControlList?.Items ?? [];
  return items.filter((item) => item.Name?.startsWith(`${t.project}-`)).length;
}

/** In us-east-1 (where CloudFront takes them from) and in the project region (where none belongs). */
async function certificates(c: Clients, t: CensusTarget): Promise<number> {
  let count = 0;
  for (const acm of c.acm) {
    const summaries = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
    for (const summary of summaries) {
      const tags = tagsOf((await acm.send(new ListTagsForCertificateCommand({ CertificateArn: summary.CertificateArn }))).Tags);
      if (summary.DomainName === t.domain || isOurs(t.project, tags)) count += 1;
    }
  }
  return count;
}

async function zoneRecords(c: Clients, t: CensusTarget): Promise<ResourceRecordSet[]> {
  const zoneName = t.domain.split('.').slice(1).join('.');
  const zones = (await c.route53.send(new ListHostedZonesByNameCommand({ DNSName: zoneName }))).HostedZones ?? [];
  const records: ResourceRecordSet[] = [];
  for (const zone of zones.filter((candidate) => candidate.Name === `${zoneName}.`)) {
    let start: { StartRecordName?: string; StartRecordType?: ResourceRecordSet['Type'] } = {};
    for (;;) {
      const page = await c.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id, ...start }));
      records.push(...(page.ResourceRecordSets ?? []));
      if (!page.IsTruncated) break;
      start = { StartRecordName: page.NextRecordName, StartRecordType: page.NextRecordType };
    }
  }
  return records;
}

async function dnsRecords(c: Clients, t: CensusTarget): Promise<Pick<Record<CensusKind, number>, 'validationRecords' | 'aRecords' | 'aaaaRecords'>> {
  const records = await zoneRecords(c, t);
  const at = (type: string) => records.filter((record) => record.Name === `${t.domain}.` && record.Type === type).length;
  // ACM's validation names are `_<hash>.<domain>.`; moto gives every certificate the same one.
  const validation = records.filter((record) => record.Type === 'CNAME' && record.Name?.startsWith('_') && record.Name.endsWith(`.${t.domain}.`));
  return { validationRecords: validation.length, aRecords: at('A'), aaaaRecords: at('AAAA') };
}

async function tables(c: Clients, t: CensusTarget): Promise<number> {
  const names = (await c.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
  return names.filter((name) => name.startsWith(`${t.project}-`)).length;
}

async function parameters(c: Clients, t: CensusTarget): Promise<number> {
  let count = 0;
  let NextToken: string | undefined;
  do {
    const page = await c.ssm.send(new DescribeParametersCommand({ NextToken, MaxResults: 50 }));
    count += (page.Parameters ?? []).filter((parameter) => parameter.Name?.includes(`/${t.project}/`)).length;
    NextToken = page.NextToken;
  } while (NextToken);
  return count;
}

async function roles(c: Clients, t: CensusTarget): Promise<{ roles: number; roleInlinePolicies: number }> {
  const ours = ((await c.iam.send(new ListRolesCommand({}))).Roles ?? []).filter((role) => role.RoleName?.startsWith(`${t.project}-`));
  let policies = 0;
  for (const role of ours) policies += ((await c.iam.send(new ListRolePoliciesCommand({ RoleName: role.RoleName }))).PolicyNames ?? []).length;
  return { roles: ours.length, roleInlinePolicies: policies };
}

async function logGroups(c: Clients, t: CensusTarget): Promise<number> {
  const groups = (await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${t.project}-` }))).logGroups ?? [];
  return groups.length;
}

async function functions(c: Clients, t: CensusTarget): Promise<{ functions: number; permissionStatements: number }> {
  const ours = ((await c.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).filter((fn) => fn.FunctionName?.startsWith(`${t.project}-`));
  let statements = 0;
  for (const fn of ours) {
    try {
      const policy = JSON.parse((await c.lambda.send(new GetPolicyCommand({ FunctionName: fn.FunctionName }))).Policy ?? '{}') as { Statement?: unknown[] };
      statements += policy.Statement?.length ?? 0;
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }
  return { functions: ours.length, permissionStatements: statements };
}

async function restApis(c: Clients, t: CensusTarget): Promise<{ restApis: number; countResources: number; stages: number }> {
  const apis = ((await c.apigateway.send(new GetRestApisCommand({ limit: 500 }))).items ?? [])
    .filter((api) => api.name?.startsWith(`${t.project}-`) || isOurs(t.project, api.tags));
  let countResources = 0;
  let stages = 0;
  for (const api of apis) {
    const resources = (await c.apigateway.send(new GetResourcesCommand({ restApiId: api.id, limit: 500 }))).items ?? [];
    countResources += resources.filter((resource) => resource.path === '/count').length;
    stages += ((await c.apigateway.send(new GetStagesCommand({ restApiId: api.id }))).item ?? []).length;
  }
  return { restApis: apis.length, countResources, stages };
}

async function tagged(c: Clients, t: CensusTarget): Promise<string[]> {
  const arns: string[] = [];
  for (const client of c.tagging) {
    const page = await client.send(new GetTaggedResourcesCommand({ TagFilters: [{ Key: PROJECT_TAG, Values: [t.project] }] }));
    for (const mapping of page.ResourceTagMappingList ?? []) if (mapping.ResourceARN) arns.push(mapping.ResourceARN);
  }
  return [...new Set(arns)].filter((arn) => arn !== `arn:aws:s3:::${t.stateBucket}`).sort();
}

async function stateBucketMissing(c: Clients, t: CensusTarget): Promise<string[]> {
  const Bucket = t.stateBucket;
  const orUndefined = <T>(call: Promise<T>) => call.catch(() => undefined);
  const [versioning, encryption, block, tagging] = await Promise.all([
    orUndefined(c.s3.send(new GetBucketVersioningCommand({ Bucket }))),
    orUndefined(c.s3.send(new GetBucketEncryptionCommand({ Bucket }))),
    orUndefined(c.s3.send(new GetPublicAccessBlockCommand({ Bucket }))),
    orUndefined(c.s3.send(new GetBucketTaggingCommand({ Bucket }))),
  ]);
  const missing: string[] = [];
  if (versioning?.Status !== 'Enabled') missing.push('versioning');
  if (!encryption?.ServerSideEncryptionConfiguration?.Rules?.length) missing.push('encryption');
  const blockConfig = block?.PublicAccessBlockConfiguration;
  if (!(blockConfig?.BlockPublicAcls && blockConfig.IgnorePublicAcls && blockConfig.BlockPublicPolicy && blockConfig.RestrictPublicBuckets)) missing.push('publicAccessBlock');
  if (tagsOf(tagging?.TagSet)[PROJECT_TAG] === undefined) missing.push('tags');
  return missing;
}

export async function takeCensus(target: CensusTarget): Promise<Census> {
  const c = clients(target.endpoint, target.region);
  try {
    const [site, dists, oacs, certs, dns, tableCount, params, iam, logs, lambda, apis, taggedArns] = await Promise.all([
      siteBuckets(c, target), distributions(c, target), originAccessControls(c, target), certificates(c, target), dnsRecords(c, target),
      tables(c, target), parameters(c, target), roles(c, target), logGroups(c, target), functions(c, target), restApis(c, target), tagged(c, target),
    ]);
    const bucketNames = ((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name);
    const stateBucket = bucketNames.includes(target.stateBucket);
    const object = (Key: string) => (stateBucket ? objectExists(c.s3, target.stateBucket, Key) : Promise.resolve(false));
    return {
      counts: {
        siteBuckets: site, distributions: dists, originAccessControls: oacs, certificates: certs, ...dns,
        tables: tableCount, parameters: params, ...iam, logGroups: logs, ...lambda, ...apis,
      },
      tagged: taggedArns,
      stateBucket,
      stateBucketMissing: stateBucket ? await stateBucketMissing(c, target) : [],
      stateObject: await object(target.stateKey),
      lock: await object(`${target.stateKey}.lock`),
    };
  } finally {
    for (const client of [c.s3, c.cloudfront, ...c.acm, c.route53, c.dynamodb, c.ssm, c.iam, c.logs, c.lambda, c.apigateway, ...c.tagging]) client.destroy();
  }
}

export interface DomainCounts {
  /** Certificates for exactly this name, tagged or not, in us-east-1 and the project region. */
  certificates: number;
  validationRecords: number;
  aRecords: number;
  aaaaRecords: number;
}

/** What exists for one domain name, whoever made it: a domain walk checks the current name has one of each and the others none. */
export async function domainCensus(target: CensusTarget, domain: string): Promise<DomainCounts> {
  const c = clients(target.endpoint, target.region);
  try {
    let certificates = 0;
    for (const acm of c.acm) {
      const summaries = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
      certificates += summaries.filter((summary) => summary.DomainName === domain).length;
    }
    return { certificates, ...(await dnsRecords(c, { ...target, domain })) };
  } finally {
    for (const client of [c.s3, c.cloudfront, ...c.acm, c.route53, c.dynamodb, c.ssm, c.iam, c.logs, c.lambda, c.apigateway, ...c.tagging]) client.destroy();
  }
}

/** The kinds whose count is not `expected`, as `kind=count`; empty when every kind matches. */
export function censusMismatches(census: Census, expected: number): string[] {
  return CENSUS_KINDS.filter((kind) => census.counts[kind] !== expected).map((kind) => `${kind}=${census.counts[kind]}`);
}
