// The counter's REST API: regional, `/count` with GET and POST proxied to the function and OPTIONS
// answered by a MOCK integration, one throttled stage. A new deployment is made only when the
// API's definition changed: its hash is kept in the deployment's description.
import { createHash } from 'node:crypto';
import {
  APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateStageCommand, DeleteMethodCommand,
  DeleteRestApiCommand, GetDeploymentCommand, GetMethodCommand, GetRestApiCommand, GetStageCommand, paginateGetResources,
  paginateGetRestApis, PutIntegrationCommand, PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand,
  TagResourceCommand, UpdateRestApiCommand, UpdateStageCommand, type IntegrationType, type Method, type PatchOperation, type Resource, type RestApi,
} from '@aws-sdk/client-api-gateway';
import { InFlight } from '../aws/in-flight.ts';
import { TAG_KEY } from '../config.ts';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { ignoreNotFound } from './not-found.ts';
import { readAheadById } from './read-ahead.ts';
import { ALLOWED_HEADERS, ALLOWED_METHODS, PREFLIGHT_MAX_AGE_SECONDS } from '../lambda/cors.ts';
import { COUNT_PATH } from '../lambda/handler.ts';
import { siteOrigin } from './function.ts';
import { changedTags, hasChange, tagChanges } from './tags.ts';

const PREFLIGHT_STATUS = '204';
const DEPLOYMENT_PREFIX = 'resume-infra definition ';
/** Change fields for the stage's own tags (the API's are `tags.<key>`). */
const STAGE_TAGS = 'stageTags.';

/** One method as far as this tool defines it; the same shape is read back from API Gateway. */
interface MethodSpec {
  authorizationType: string;
  integration: {
    type: string;
    httpMethod?: string;
    uri?: string;
    requestTemplates?: Record<string, string>;
    responses?: Record<string, Record<string, string>>;
  };
  /** Status code to the response headers it declares. */
  methodResponses?: Record<string, Record<string, boolean>>;
}

interface ApiDesired {
  name: string;
  tags: Record<string, string>;
  stageName: string;
  rateLimit: number;
  burstLimit: number;
  methods: Record<string, MethodSpec>;
  definitionHash: string;
}

interface StageActual {
  deploymentId: string | undefined;
  deployedHash: string | undefined;
  rateLimit: number | undefined;
  burstLimit: number | undefined;
  tags: Record<string, string>;
}

interface ApiActual extends Observed {
  restApiId: string;
  rootResourceId: string;
  endpointTypes: string[];
  tags: Record<string, string>;
  countResourceId: string | undefined;
  methods: Record<string, MethodSpec>;
  stage: StageActual | undefined;
}

/** JSON with object keys sorted at every level, so equal definitions hash equally. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function definitionHash(methods: Record<string, MethodSpec>): string {
  return createHash('sha256').update(stableJson({ path: COUNT_PATH, methods })).digest('hex').slice(0, 16);
}

/**
 * The origin the MOCK preflight names. A MOCK integration answers with fixed headers, so it can
 * name one origin: the site's own URL (never `*`: the counter is for the site's page only). The
 * function itself echoes any configured origin, so simple GETs and POSTs from the other configured
 * origins still work.
 */
export function preflightOrigin(ctx: ResourceContext): string | undefined {
  return siteOrigin(ctx);
}

function preflightHeaders(origin: string | undefined): Record<string, string> {
  return {
    ...(origin ? { 'Access-Control-Allow-Origin': origin } : {}),
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
  };
}

/** What the state records of the stage's deployment, for readStage to read it along with the stage. */
const DEPLOYMENT_OUTPUT = 'deploymentId';

/** The methods of the count resource that `desiredMethods` defines, read back by readContents. */
const COUNTER_METHODS = ['GET', 'POST', 'OPTIONS'] as const;

function desiredMethods(ctx: ResourceContext): Record<string, MethodSpec> {
  const functionArn = ctx.output('function', 'functionArn');
  const proxy: MethodSpec = {
    authorizationType: 'NONE',
    integration: { type: 'AWS_PROXY', httpMethod: 'POST', uri: `arn:aws:apigateway:${ctx.names.region}:lambda:path/2015-03-31/functions/${functionArn}/invocations` },
  };
  const headers = preflightHeaders(preflightOrigin(ctx));
  const parameter = (name: string) => `method.response.header.${name}`;
  const preflight: MethodSpec = {
    authorizationType: 'NONE',
    integration: {
      type: 'MOCK',
      requestTemplates: { 'application/json': `{"statusCode": ${PREFLIGHT_STATUS}}` },
      responses: { [PREFLIGHT_STATUS]: Object.fromEntries(Object.entries(headers).map(([name, value]) => [parameter(name), `'${value}'`])) },
    },
    methodResponses: { [PREFLIGHT_STATUS]: Object.fromEntries(Object.keys(headers).map((name) => [parameter(name), false])) },
  };
  return { GET: proxy, POST: proxy, OPTIONS: preflight } satisfies Record<(typeof COUNTER_METHODS)[number], MethodSpec>;
}

/** Leaf values by path, e.g. `integration.responses.204[method.response.header.Vary]`. */
function leaves(value: unknown, path = ''): Map<string, unknown> {
  const found = new Map<string, unknown>();
  if (typeof value !== 'object' || value === null) {
    found.set(path, value);
    return found;
  }
  for (const [key, child] of Object.entries(value)) {
    const segment = key.includes('.') ? `[${key}]` : path ? `.${key}` : key;
    for (const [childPath, leaf] of leaves(child, `${path}${segment}`)) found.set(childPath, leaf);
  }
  return found;
}

/** Field-level differences of one method, so a plan shows the one header that changed rather than two documents. */
function methodChanges(httpMethod: string, desired: MethodSpec, actual: MethodSpec | undefined): Change[] {
  const field = `method.${httpMethod}`;
  if (actual === undefined) return [{ field, from: undefined, to: [desired.integration.type, desired.integration.uri].filter(Boolean).join(' ') }];
  const want = leaves(desired);
  const have = leaves(actual);
  const paths = [...new Set([...want.keys(), ...have.keys()])].sort();
  return paths.filter((path) => want.get(path) !== have.get(path)).map((path) => ({ field: `${field}.${path}`, from: have.get(path), to: want.get(path) }));
}

function nonEmpty<T extends object>(value: T | undefined): T | undefined {
  return value !== undefined && Object.keys(value).length > 0 ? value : undefined;
}

/** The fields of a live method that this tool sets, in the shape of `MethodSpec`. */
function methodSpecOf(method: Method): MethodSpec {
  const integration = method.methodIntegration;
  const type = integration?.type ?? 'NONE';
  const proxy = type === 'AWS_PROXY' || type === 'AWS' || type === 'HTTP' || type === 'HTTP_PROXY';
  const responses: Record<string, Record<string, string>> = {};
  for (const [status, response] of Object.entries(integration?.integrationResponses ?? {})) responses[status] = response.responseParameters ?? {};
  const methodResponses: Record<string, Record<string, boolean>> = {};
  for (const [status, response] of Object.entries(method.methodResponses ?? {})) methodResponses[status] = response.responseParameters ?? {};
  const spec: MethodSpec = {
    authorizationType: method.authorizationType ?? 'NONE',
    integration: {
      type,
      ...(proxy ? { httpMethod: integration?.httpMethod, uri: integration?.uri } : {}),
      ...(type === 'MOCK' ? { requestTemplates: nonEmpty(integration?.requestTemplates), responses: nonEmpty(responses) } : {}),
    },
    methodResponses: nonEmpty(methodResponses),
  };
  return JSON.parse(stableJson(spec)) as MethodSpec;
}

async function restApisNamed(ctx: ResourceContext): Promise<RestApi[]> {
  const matches: RestApi[] = [];
  for await (const page of paginateGetRestApis({ client: ctx.aws.client(APIGatewayClient) }, { limit: 500 })) {
    matches.push(...(page.items ?? []).filter((api) => api.name === ctx.names.api));
  }
  return matches;
}

async function findRestApiByName(ctx: ResourceContext): Promise<RestApi | undefined> {
  const matches = await restApisNamed(ctx);
  if (matches.length <= 1) return matches[0];
  // REST API names are not unique; a crashed create may have left a second one.
  const tagged = matches.filter((api) => api.tags?.[TAG_KEY] === ctx.names.project);
  const chosen = (tagged.length > 0 ? tagged : matches).sort((a, b) => (a.createdDate?.getTime() ?? 0) - (b.createdDate?.getTime() ?? 0))[0];
  ctx.note(`${matches.length} REST APIs are named ${ctx.names.api}; using ${chosen?.id ?? '?'}${tagged.length > 0 ? ', the one tagged for this project' : ', the oldest'}`);
  return chosen;
}

/** GetRestApi calls in flight: `restApi` and `api` read the same REST API at the same moment, and share one request. */
const restApiReads = new InFlight<RestApi | undefined>();

function getRestApi(ctx: ResourceContext, restApiId: string): Promise<RestApi | undefined> {
  const client = ctx.aws.client(APIGatewayClient);
  return restApiReads.share(client, restApiId, () => ignoreNotFound('NotFoundException', () => client.send(new GetRestApiCommand({ restApiId }))));
}

export async function findRestApi(ctx: ResourceContext, recordedId: string | undefined): Promise<RestApi | undefined> {
  if (recordedId) {
    const api = await getRestApi(ctx, recordedId);
    if (api?.name === ctx.names.api) return api;
  }
  return findRestApiByName(ctx);
}

/** `recordedDeployment`: the deployment the state records the stage at, read along with the stage. */
async function readStage(ctx: ResourceContext, restApiId: string, recordedDeployment: string | undefined): Promise<StageActual | undefined> {
  const apigateway = ctx.aws.client(APIGatewayClient);
  const deploymentRead = readAheadById(recordedDeployment, (deploymentId) => ignoreNotFound('NotFoundException', () => apigateway.send(new GetDeploymentCommand({ restApiId, deploymentId }))));
  const stage = await ignoreNotFound('NotFoundException', () => apigateway.send(new GetStageCommand({ restApiId, stageName: ctx.config.counter.stageName })));
  if (!stage) return undefined;
  let deployedHash: string | undefined;
  if (stage.deploymentId) {
    const deployment = await deploymentRead(stage.deploymentId);
    const description = deployment?.description ?? '';
    if (description.startsWith(DEPLOYMENT_PREFIX)) deployedHash = description.slice(DEPLOYMENT_PREFIX.length);
  }
  const throttle = stage.methodSettings?.['*/*'];
  return { deploymentId: stage.deploymentId, deployedHash, rateLimit: throttle?.throttlingRateLimit, burstLimit: throttle?.throttlingBurstLimit, tags: stage.tags ?? {} };
}

interface ApiContents {
  rootResourceId: string | undefined;
  countResourceId: string | undefined;
  methods: Record<string, MethodSpec>;
  stage: StageActual | undefined;
}

/** What is in the REST API `restApiId`: its resources, the counter's methods and the stage, read side by side. */
async function readContents(ctx: ResourceContext, restApiId: string, recordedDeployment?: string): Promise<ApiContents> {
  const apigateway = ctx.aws.client(APIGatewayClient);
  const stage = readStage(ctx, restApiId, recordedDeployment);
  stage.catch(() => undefined); // awaited below
  let rootResourceId: string | undefined;
  let count: Resource | undefined;
  // embed=methods: each resource comes with its methods whole (integration and responses too),
  // so the counter's methods need no GetMethod each, and no wait after this listing.
  for await (const page of paginateGetResources({ client: apigateway }, { restApiId, limit: 500, embed: ['methods'] })) {
    for (const resource of page.items ?? []) {
      if (resource.path === '/') rootResourceId ??= resource.id;
      if (resource.path === COUNT_PATH) count ??= resource;
    }
  }
  const methods: Record<string, MethodSpec> = {};
  const resourceId = count?.id;
  if (resourceId) {
    await Promise.all(COUNTER_METHODS.map(async (httpMethod) => {
      const embedded = count?.resourceMethods?.[httpMethod];
      // A method listed without its contents (an API that ignores embed) is read by itself.
      const method = embedded?.httpMethod === httpMethod ? embedded
        : embedded ? await ignoreNotFound('NotFoundException', () => apigateway.send(new GetMethodCommand({ restApiId, resourceId, httpMethod }))) : undefined;
      if (method) methods[httpMethod] = methodSpecOf(method);
    }));
  }
  return { rootResourceId, countResourceId: resourceId, methods, stage: await stage };
}

/** `contentsOf`: how its contents are read (by read, from a read started along with the API's). */
async function describeApi(ctx: ResourceContext, api: RestApi, contentsOf: (restApiId: string) => Promise<ApiContents> = (id) => readContents(ctx, id)): Promise<ApiActual | undefined> {
  const restApiId = api.id;
  if (!restApiId) return undefined;
  const { rootResourceId, countResourceId, methods, stage } = await contentsOf(restApiId);
  const stageName = ctx.config.counter.stageName;
  return {
    id: restApiId,
    arn: `arn:aws:apigateway:${ctx.names.region}::/restapis/${restApiId}`,
    outputs: {
      restApiId, stageName, apiUrl: `https://${restApiId}.execute-api.${ctx.names.region}.amazonaws.com/${stageName}${COUNT_PATH}`,
      ...(stage?.deploymentId ? { [DEPLOYMENT_OUTPUT]: stage.deploymentId } : {}),
    },
    restApiId,
    rootResourceId: api.rootResourceId ?? rootResourceId ?? '',
    endpointTypes: api.endpointConfiguration?.types ?? [],
    tags: api.tags ?? {},
    countResourceId,
    methods,
    stage,
  };
}

async function putMethod(ctx: ResourceContext, restApiId: string, resourceId: string, httpMethod: string, spec: MethodSpec, exists: boolean): Promise<void> {
  const apigateway = ctx.aws.client(APIGatewayClient);
  const target = { restApiId, resourceId, httpMethod };
  // PutMethod and PutMethodResponse refuse to overwrite; a drifted method is rebuilt whole.
  if (exists) await apigateway.send(new DeleteMethodCommand(target));
  await apigateway.send(new PutMethodCommand({ ...target, authorizationType: spec.authorizationType }));
  for (const [statusCode, responseParameters] of Object.entries(spec.methodResponses ?? {})) {
    await apigateway.send(new PutMethodResponseCommand({ ...target, statusCode, responseParameters }));
  }
  const { type, httpMethod: integrationHttpMethod, uri, requestTemplates, responses } = spec.integration;
  await apigateway.send(new PutIntegrationCommand({ ...target, type: type as IntegrationType, integrationHttpMethod, uri, requestTemplates }));
  for (const [statusCode, responseParameters] of Object.entries(responses ?? {})) {
    await apigateway.send(new PutIntegrationResponseCommand({ ...target, statusCode, responseParameters }));
  }
}

function throttleOperations(desired: ApiDesired, stage: StageActual | undefined): PatchOperation[] {
  const operations: PatchOperation[] = [];
  if (stage?.rateLimit !== desired.rateLimit) operations.push({ op: 'replace', path: '/*/*/throttling/rateLimit', value: String(desired.rateLimit) });
  if (stage?.burstLimit !== desired.burstLimit) operations.push({ op: 'replace', path: '/*/*/throttling/burstLimit', value: String(desired.burstLimit) });
  return operations;
}

/** Points the stage at a deployment of the current definition, making one only when the definition changed. */
async function converge(ctx: ResourceContext, desired: ApiDesired, actual: ApiActual): Promise<void> {
  const apigateway = ctx.aws.client(APIGatewayClient);
  const restApiId = actual.restApiId;
  const operations = throttleOperations(desired, actual.stage);
  if (actual.stage?.deployedHash !== desired.definitionHash) {
    // Never CreateDeployment with stageName: for an existing stage that replaces it and loses its settings.
    const deployment = await apigateway.send(new CreateDeploymentCommand({ restApiId, description: `${DEPLOYMENT_PREFIX}${desired.definitionHash}` }));
    if (!deployment.id) throw new Error(`deploying REST API (${restApiId}): CreateDeployment returned no id`);
    if (actual.stage) operations.unshift({ op: 'replace', path: '/deploymentId', value: deployment.id });
    else await apigateway.send(new CreateStageCommand({ restApiId, stageName: desired.stageName, deploymentId: deployment.id, tags: desired.tags }));
  }
  if (operations.length > 0) await apigateway.send(new UpdateStageCommand({ restApiId, stageName: desired.stageName, patchOperations: operations }));
}

export const api: ResourceKind<ApiDesired, ApiActual> = {
  name: 'api',
  title: 'REST API',
  dependsOn: ['restApi', 'function', 'distribution'],

  label: (ctx, actual) => (actual ? `${ctx.names.api} (${actual.restApiId})` : ctx.names.api),

  desired(ctx) {
    const methods = desiredMethods(ctx);
    const { stageName, rateLimit, burstLimit } = ctx.config.counter;
    return { name: ctx.names.api, tags: ctx.tags, stageName, rateLimit, burstLimit, methods, definitionHash: definitionHash(methods) };
  },

  async read(ctx, recorded) {
    // The recorded API's contents are read along with the API itself, not after it: otherwise
    // GetRestApi, then GetResources and GetStage, then GetMethod and GetDeployment are three waits.
    // (Used only when the API found is the recorded one.)
    const contentsOf = readAheadById(recorded?.id, (id) => readContents(ctx, id, id === recorded?.id ? recorded.outputs[DEPLOYMENT_OUTPUT] : undefined));
    const found = await findRestApi(ctx, recorded?.id);
    return found ? describeApi(ctx, found, contentsOf) : undefined;
  },

  diff(desired, actual) {
    const changes: Change[] = [];
    if (actual.endpointTypes.join(',') !== 'REGIONAL') changes.push({ field: 'endpointType', from: actual.endpointTypes.join(','), to: 'REGIONAL' });
    if (!actual.countResourceId) changes.push({ field: 'resource', from: undefined, to: COUNT_PATH });
    for (const [httpMethod, spec] of Object.entries(desired.methods)) changes.push(...methodChanges(httpMethod, spec, actual.methods[httpMethod]));
    if (!actual.stage) changes.push({ field: 'stage', from: undefined, to: desired.stageName });
    if (actual.stage?.deployedHash !== desired.definitionHash) changes.push({ field: 'deployment', from: actual.stage?.deployedHash, to: desired.definitionHash });
    if (actual.stage) {
      if (actual.stage.rateLimit !== desired.rateLimit) changes.push({ field: 'throttling.rateLimit', from: actual.stage.rateLimit, to: desired.rateLimit });
      if (actual.stage.burstLimit !== desired.burstLimit) changes.push({ field: 'throttling.burstLimit', from: actual.stage.burstLimit, to: desired.burstLimit });
      changes.push(...tagChanges(desired.tags, actual.stage.tags).map((change) => ({ ...change, field: `${STAGE_TAGS}${change.field.slice('tags.'.length)}` })));
    }
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  // The REST API is made by `restApi` (see src/resources/rest-api.ts); this defines what is in it.
  async create(ctx) {
    return { id: ctx.output('restApi', 'restApiId') };
  },

  async update(ctx, desired, actual, changes) {
    const apigateway = ctx.aws.client(APIGatewayClient);
    const restApiId = actual.restApiId;
    if (hasChange(changes, 'endpointType')) {
      const current = actual.endpointTypes[0] ?? 'EDGE';
      await apigateway.send(new UpdateRestApiCommand({ restApiId, patchOperations: [{ op: 'replace', path: `/endpointConfiguration/types/${current}`, value: 'REGIONAL' }] }));
    }
    let resourceId = actual.countResourceId;
    if (!resourceId) {
      const created = await apigateway.send(new CreateResourceCommand({ restApiId, parentId: actual.rootResourceId, pathPart: COUNT_PATH.slice(1) }));
      resourceId = created.id;
      if (!resourceId) throw new Error(`updating REST API (${restApiId}): CreateResource returned no id`);
    }
    // The methods at once, as Terraform makes its aws_api_gateway_method resources: API Gateway
    // may answer ConflictException ("concurrent modification"), which not-yet.ts waits out.
    const methodId = resourceId;
    await Promise.all(Object.entries(desired.methods)
      .filter(([httpMethod]) => hasChange(changes, `method.${httpMethod}`))
      .map(([httpMethod, spec]) => putMethod(ctx, restApiId, methodId, httpMethod, spec, actual.methods[httpMethod] !== undefined)));
    await converge(ctx, desired, actual);
    if (hasChange(changes, 'tags')) {
      await apigateway.send(new TagResourceCommand({ resourceArn: `arn:aws:apigateway:${ctx.names.region}::/restapis/${restApiId}`, tags: changedTags(desired.tags, changes) }));
    }
    const stageTagKeys = changes.filter((change) => change.field.startsWith(STAGE_TAGS)).map((change) => change.field.slice(STAGE_TAGS.length));
    if (stageTagKeys.length > 0 && actual.stage) {
      const stageTags = Object.fromEntries(stageTagKeys.map((key) => [key, desired.tags[key] ?? '']));
      await apigateway.send(new TagResourceCommand({ resourceArn: `arn:aws:apigateway:${ctx.names.region}::/restapis/${restApiId}/stages/${desired.stageName}`, tags: stageTags }));
    }
  },

  /** A second REST API of the project's name and tag (names are not unique): a crashed create's, or a copy by hand. */
  async orphans(ctx, keep) {
    const named = await restApisNamed(ctx);
    const kept = await keep;
    const extra = named.filter((candidate) => candidate.id && !kept.has(candidate.id) && candidate.tags?.[TAG_KEY] === ctx.names.project);
    const found: ApiActual[] = [];
    for (const candidate of extra) {
      const actual = await describeApi(ctx, candidate);
      if (actual) found.push(actual);
    }
    return found;
  },

  async delete(ctx, actual) {
    await ignoreNotFound('NotFoundException', () => ctx.aws.client(APIGatewayClient).send(new DeleteRestApiCommand({ restApiId: actual.restApiId })));
  },
};
