// Names the AWS operation of a raw HTTP request, for the recording proxy (proxy.ts):
// - service: the SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`);
// - operation: the JSON protocols' `X-Amz-Target`, the query protocol's `Action` (query string or
//   form body), the RPC-v2 path, or a route table for the REST services the stack uses (S3,
//   CloudFront, Lambda, API Gateway, Route 53). An unknown REST route is named by its method and
//   its path with ids replaced by `{}`.
import type { IncomingHttpHeaders } from 'node:http';

export interface RawRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body, when it is form-encoded (query protocol). */
  formBody?: string;
}

export interface Classified {
  service: string;
  operation: string;
  method: string;
  /** True when the operation was named from a REST route (method + path), not from the request's own operation field. */
  rest: boolean;
  /** S3 only: the bucket (path-style). */
  bucket?: string;
}

const READ_PREFIXES = /^(Get|List|Describe|Head|Query|Scan|BatchGet|Lookup|Search)/;

/** Read-only: an operation named Get/List/Describe/Head…, or any GET/HEAD of a REST service. */
export function isMutating(request: Classified): boolean {
  if (READ_PREFIXES.test(request.operation)) return false;
  if (request.rest && (request.method === 'GET' || request.method === 'HEAD')) return false;
  return true;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function serviceOf(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const authorization = header(headers, 'authorization') ?? '';
  const scope = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization) ?? /^[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request$/.exec(query.get('X-Amz-Credential') ?? '');
  return scope?.[1];
}

type Route = [method: string, pattern: RegExp, operation: string];

/** `{}` is one path segment, `{+}` the rest of the path; a trailing slash is optional. */
function routes(table: Array<[string, string, string]>): Route[] {
  return table.map(([method, path, operation]) => {
    const source = path.split('/').map((part) => (part === '{}' ? '[^/]+' : part === '{+}' ? '.+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))).join('/');
    return [method, new RegExp(`^${source}/?$`), operation];
  });
}

// Paths without their leading API version segment (`/2015-03-31`, `/2020-05-31`, `/2013-04-01`).
const CLOUDFRONT = routes([
  ['POST', '/distribution', 'CreateDistribution'],
  ['GET', '/distribution', 'ListDistributions'],
  ['GET', '/distribution/{}', 'GetDistribution'],
  ['DELETE', '/distribution/{}', 'DeleteDistribution'],
  ['GET', '/distribution/{}/config', 'GetDistributionConfig'],
  ['PUT', '/distribution/{}/config', 'UpdateDistribution'],
  ['POST', '/distribution/{}/invalidation', 'CreateInvalidation'],
  ['GET', '/distribution/{}/invalidation', 'ListInvalidations'],
  ['GET', '/distribution/{}/invalidation/{}', 'GetInvalidation'],
  ['GET', '/distribution/{}/monitoring-subscription', 'GetMonitoringSubscription'],
  ['POST', '/origin-access-control', 'CreateOriginAccessControl'],
  ['GET', '/origin-access-control', 'ListOriginAccessControls'],
  ['GET', '/origin-access-control/{}', 'GetOriginAccessControl'],
  ['DELETE', '/origin-access-control/{}', 'DeleteOriginAccessControl'],
  ['GET', '/origin-access-control/{}/config', 'GetOriginAccessControlConfig'],
  ['PUT', '/origin-access-control/{}/config', 'UpdateOriginAccessControl'],
  ['GET', '/tagging', 'ListTagsForResource'],
  ['GET', '/cache-policy/{}', 'GetCachePolicy'],
  ['POST', '/response-headers-policy', 'CreateResponseHeadersPolicy'],
  ['GET', '/response-headers-policy', 'ListResponseHeadersPolicies'],
  ['GET', '/response-headers-policy/{}', 'GetResponseHeadersPolicy'],
  ['GET', '/response-headers-policy/{}/config', 'GetResponseHeadersPolicyConfig'],
  ['PUT', '/response-headers-policy/{}', 'UpdateResponseHeadersPolicy'],
  ['DELETE', '/response-headers-policy/{}', 'DeleteResponseHeadersPolicy'],
  ['POST', '/function', 'CreateFunction'],
  ['GET', '/function', 'ListFunctions'],
  ['GET', '/function/{}', 'GetFunction'],
  ['GET', '/function/{}/describe', 'DescribeFunction'],
  ['PUT', '/function/{}', 'UpdateFunction'],
  ['DELETE', '/function/{}', 'DeleteFunction'],
  ['POST', '/function/{}/publish', 'PublishFunction'],
  ['POST', '/function/{}/test', 'TestFunction'],
  ['GET', '/origin-request-policy/{}', 'GetOriginRequestPolicy'],
]);

const LAMBDA = routes([
  ['POST', '/functions', 'CreateFunction'],
  ['GET', '/functions', 'ListFunctions'],
  ['GET', '/functions/{}', 'GetFunction'],
  ['DELETE', '/functions/{}', 'DeleteFunction'],
  ['GET', '/functions/{}/configuration', 'GetFunctionConfiguration'],
  ['PUT', '/functions/{}/configuration', 'UpdateFunctionConfiguration'],
  ['PUT', '/functions/{}/code', 'UpdateFunctionCode'],
  ['POST', '/functions/{}/policy', 'AddPermission'],
  ['GET', '/functions/{}/policy', 'GetPolicy'],
  ['DELETE', '/functions/{}/policy/{}', 'RemovePermission'],
  ['GET', '/functions/{}/versions', 'ListVersionsByFunction'],
  ['POST', '/functions/{}/versions', 'PublishVersion'],
  ['GET', '/functions/{}/aliases', 'ListAliases'],
  ['POST', '/functions/{}/aliases', 'CreateAlias'],
  ['GET', '/functions/{}/aliases/{}', 'GetAlias'],
  ['POST', '/functions/{}/invocations', 'Invoke'],
  ['GET', '/functions/{}/code-signing-config', 'GetFunctionCodeSigningConfig'],
  ['GET', '/functions/{}/event-invoke-config', 'GetFunctionEventInvokeConfig'],
  ['GET', '/functions/{}/concurrency', 'GetFunctionConcurrency'],
  ['PUT', '/functions/{}/concurrency', 'PutFunctionConcurrency'],
  ['DELETE', '/functions/{}/concurrency', 'DeleteFunctionConcurrency'],
  ['GET', '/functions/{}/url', 'GetFunctionUrlConfig'],
  ['GET', '/functions/{}/recursion-config', 'GetFunctionRecursionConfig'],
  ['GET', '/tags/{+}', 'ListTags'],
  ['POST', '/tags/{+}', 'TagResource'],
  ['DELETE', '/tags/{+}', 'UntagResource'],
]);

const API_GATEWAY = routes([
  ['GET', '/restapis', 'GetRestApis'],
  ['POST', '/restapis', 'CreateRestApi'],
  ['GET', '/restapis/{}', 'GetRestApi'],
  ['PATCH', '/restapis/{}', 'UpdateRestApi'],
  ['PUT', '/restapis/{}', 'PutRestApi'],
  ['DELETE', '/restapis/{}', 'DeleteRestApi'],
  ['GET', '/restapis/{}/resources', 'GetResources'],
  ['GET', '/restapis/{}/resources/{}', 'GetResource'],
  ['POST', '/restapis/{}/resources/{}', 'CreateResource'],
  ['PATCH', '/restapis/{}/resources/{}', 'UpdateResource'],
  ['DELETE', '/restapis/{}/resources/{}', 'DeleteResource'],
  ['PUT', '/restapis/{}/resources/{}/methods/{}', 'PutMethod'],
  ['GET', '/restapis/{}/resources/{}/methods/{}', 'GetMethod'],
  ['PATCH', '/restapis/{}/resources/{}/methods/{}', 'UpdateMethod'],
  ['DELETE', '/restapis/{}/resources/{}/methods/{}', 'DeleteMethod'],
  ['PUT', '/restapis/{}/resources/{}/methods/{}/responses/{}', 'PutMethodResponse'],
  ['GET', '/restapis/{}/resources/{}/methods/{}/responses/{}', 'GetMethodResponse'],
  ['PATCH', '/restapis/{}/resources/{}/methods/{}/responses/{}', 'UpdateMethodResponse'],
  ['DELETE', '/restapis/{}/resources/{}/methods/{}/responses/{}', 'DeleteMethodResponse'],
  ['PUT', '/restapis/{}/resources/{}/methods/{}/integration', 'PutIntegration'],
  ['GET', '/restapis/{}/resources/{}/methods/{}/integration', 'GetIntegration'],
  ['PATCH', '/restapis/{}/resources/{}/methods/{}/integration', 'UpdateIntegration'],
  ['DELETE', '/restapis/{}/resources/{}/methods/{}/integration', 'DeleteIntegration'],
  ['PUT', '/restapis/{}/resources/{}/methods/{}/integration/responses/{}', 'PutIntegrationResponse'],
  ['GET', '/restapis/{}/resources/{}/methods/{}/integration/responses/{}', 'GetIntegrationResponse'],
  ['PATCH', '/restapis/{}/resources/{}/methods/{}/integration/responses/{}', 'UpdateIntegrationResponse'],
  ['DELETE', '/restapis/{}/resources/{}/methods/{}/integration/responses/{}', 'DeleteIntegrationResponse'],
  ['GET', '/restapis/{}/deployments', 'GetDeployments'],
  ['POST', '/restapis/{}/deployments', 'CreateDeployment'],
  ['GET', '/restapis/{}/deployments/{}', 'GetDeployment'],
  ['PATCH', '/restapis/{}/deployments/{}', 'UpdateDeployment'],
  ['DELETE', '/restapis/{}/deployments/{}', 'DeleteDeployment'],
  ['GET', '/restapis/{}/stages', 'GetStages'],
  ['POST', '/restapis/{}/stages', 'CreateStage'],
  ['GET', '/restapis/{}/stages/{}', 'GetStage'],
  ['PATCH', '/restapis/{}/stages/{}', 'UpdateStage'],
  ['DELETE', '/restapis/{}/stages/{}', 'DeleteStage'],
  ['GET', '/tags/{+}', 'GetTags'],
  ['PUT', '/tags/{+}', 'TagResource'],
  ['DELETE', '/tags/{+}', 'UntagResource'],
  ['GET', '/account', 'GetAccount'],
]);

const ROUTE_53 = routes([
  ['POST', '/hostedzone', 'CreateHostedZone'],
  ['GET', '/hostedzone', 'ListHostedZones'],
  ['GET', '/hostedzone/{}', 'GetHostedZone'],
  ['POST', '/hostedzone/{}', 'UpdateHostedZoneComment'],
  ['DELETE', '/hostedzone/{}', 'DeleteHostedZone'],
  ['POST', '/hostedzone/{}/rrset', 'ChangeResourceRecordSets'],
  ['GET', '/hostedzone/{}/rrset', 'ListResourceRecordSets'],
  ['GET', '/hostedzone/{}/dnssec', 'GetDNSSEC'],
  ['GET', '/change/{}', 'GetChange'],
  ['GET', '/hostedzonesbyname', 'ListHostedZonesByName'],
  ['GET', '/hostedzonecount', 'GetHostedZoneCount'],
  ['GET', '/tags/hostedzone/{}', 'ListTagsForResource'],
  ['POST', '/tags/hostedzone/{}', 'ChangeTagsForResource'],
]);

const REST_ROUTES: Record<string, Route[]> = { cloudfront: CLOUDFRONT, lambda: LAMBDA, apigateway: API_GATEWAY, route53: ROUTE_53 };

function withoutVersion(path: string): string {
  return path.replace(/^\/\d{4}-\d{2}-\d{2}(?=\/|$)/, '');
}

/** `GET /restapis/{}/widgets`: the method and the path with anything id-like replaced. */
function genericName(method: string, path: string): string {
  const parts = path.split('/').map((part) => (/\d|%|[A-Z].*[A-Z]/.test(part) && part.length > 3 ? '{}' : part));
  return `${method} ${parts.join('/')}`;
}

function restOperation(service: string, method: string, path: string, query: URLSearchParams): string {
  const bare = withoutVersion(path);
  if (service === 'cloudfront') {
    if (method === 'POST' && /^\/distribution\/?$/.test(bare) && query.has('WithTags')) return 'CreateDistributionWithTags';
    if (method === 'POST' && /^\/tagging\/?$/.test(bare)) return query.get('Operation') === 'Untag' ? 'UntagResource' : 'TagResource';
  }
  for (const [routeMethod, pattern, operation] of REST_ROUTES[service] ?? []) {
    if (routeMethod === method && pattern.test(bare)) return operation;
  }
  return genericName(method, bare);
}

// S3 bucket sub-resources (`?policy`) and the operation-name stem each one takes.
const S3_BUCKET_SUBRESOURCES: Record<string, string> = {
  policy: 'BucketPolicy', policyStatus: 'BucketPolicyStatus', tagging: 'BucketTagging', versioning: 'BucketVersioning',
  encryption: 'BucketEncryption', publicAccessBlock: 'PublicAccessBlock', ownershipControls: 'BucketOwnershipControls',
  acl: 'BucketAcl', cors: 'BucketCors', website: 'BucketWebsite', logging: 'BucketLogging', lifecycle: 'BucketLifecycleConfiguration',
  replication: 'BucketReplication', accelerate: 'BucketAccelerateConfiguration', requestPayment: 'BucketRequestPayment',
  'object-lock': 'ObjectLockConfiguration', notification: 'BucketNotificationConfiguration', location: 'BucketLocation',
  analytics: 'BucketAnalyticsConfiguration', metrics: 'BucketMetricsConfiguration', inventory: 'BucketInventoryConfiguration',
  'intelligent-tiering': 'BucketIntelligentTieringConfiguration',
};
const VERB: Record<string, string> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete', HEAD: 'Head' };

function s3Operation(method: string, path: string, query: URLSearchParams, headers: IncomingHttpHeaders): string {
  const [, bucket = '', ...keyParts] = path.split('/');
  const key = keyParts.join('/');
  if (bucket === '') return method === 'GET' ? 'ListBuckets' : genericName(method, path);
  if (key === '') {
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
    if (method === 'GET' && query.has('versions')) return 'ListObjectVersions';
    if (method === 'GET' && query.has('uploads')) return 'ListMultipartUploads';
    const subresource = Object.keys(S3_BUCKET_SUBRESOURCES).find((name) => query.has(name));
    if (subresource !== undefined) {
      const stem = S3_BUCKET_SUBRESOURCES[subresource] ?? subresource;
      return `${VERB[method] ?? method}${stem}`;
    }
    if (method === 'GET') return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    if (method === 'HEAD') return 'HeadBucket';
    return genericName(method, '/{bucket}');
  }
  if (query.has('uploadId')) {
    if (method === 'PUT') return 'UploadPart';
    if (method === 'POST') return 'CompleteMultipartUpload';
    if (method === 'DELETE') return 'AbortMultipartUpload';
    if (method === 'GET') return 'ListParts';
  }
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (query.has('tagging')) return `${VERB[method] ?? method}ObjectTagging`;
  if (query.has('acl')) return `${VERB[method] ?? method}ObjectAcl`;
  if (method === 'PUT') return header(headers, 'x-amz-copy-source') !== undefined ? 'CopyObject' : 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  return genericName(method, '/{bucket}/{key}');
}

export function classifyOperation(request: RawRequest): Classified {
  const { method, headers } = request;
  const url = new URL(request.url, 'http://proxy.invalid');
  const query = url.searchParams;
  const path = url.pathname;
  if (path.startsWith('/moto-api')) return { service: 'moto-api', operation: genericName(method, path), method, rest: true };
  const service = serviceOf(headers, query) ?? 'unsigned';
  const target = header(headers, 'x-amz-target');
  if (target) return { service, operation: target.slice(target.lastIndexOf('.') + 1), method, rest: false };
  const rpc = /^\/service\/[^/]+\/operation\/([^/]+)$/.exec(path);
  if (rpc?.[1]) return { service, operation: rpc[1], method, rest: false };
  const action = query.get('Action') ?? (request.formBody !== undefined ? new URLSearchParams(request.formBody).get('Action') : null);
  if (action) return { service, operation: action, method, rest: false };
  if (service === 's3') {
    const bucket = decodeURIComponent(path.split('/')[1] ?? '');
    return { service, operation: s3Operation(method, path, query, headers), method, rest: true, ...(bucket ? { bucket } : {}) };
  }
  return { service, operation: restOperation(service, method, path, query), method, rest: true };
}
