// A stand-in in front of moto_server for what moto 5.2.1 lacks (MOTO.md): the CloudFront Functions
// API, custom response headers policies, and FunctionAssociations on distributions. Every other
// request goes to moto unchanged. State lives in this process and is cleared with moto's
// (`POST /moto-api/reset` through the stand-in).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { FunctionStore } from './cloudfront-functions.ts';
import { ResponseHeadersPolicyStore } from './response-headers-policies.ts';
import { ApiError, element, elements, errorReply, leaf, replaceElement, text, type ApiRequest, type Reply } from './xml.ts';

const API = '/2020-05-31/';

export interface StandIn {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

interface FunctionAssociation {
  arn: string;
  eventType: string;
}

interface Behavior {
  functionAssociations: FunctionAssociation[];
  responseHeadersPolicyId?: string;
}

interface DistributionRecord {
  defaultBehavior: Behavior;
  /** By PathPattern. */
  behaviors: Map<string, Behavior>;
  /** The last `<DefaultCacheBehavior>` answered for it, for ListDistributions summaries. */
  defaultCacheBehaviorXml?: string;
}

function behaviorOf(xml: string): Behavior {
  const associations = element(xml, 'FunctionAssociations') ?? '';
  const policyId = text(xml, 'ResponseHeadersPolicyId');
  return {
    functionAssociations: elements(associations, 'FunctionAssociation').map((item) => ({ arn: text(item, 'FunctionARN') ?? '', eventType: text(item, 'EventType') ?? '' })),
    responseHeadersPolicyId: policyId === undefined || policyId === '' ? undefined : policyId,
  };
}

/** The behaviors of a DistributionConfig body, as CreateDistribution(WithTags)/UpdateDistribution send it. */
function distributionOf(configXml: string): DistributionRecord {
  const behaviors = new Map<string, Behavior>();
  for (const behavior of elements(element(configXml, 'CacheBehaviors') ?? '', 'CacheBehavior')) behaviors.set(text(behavior, 'PathPattern') ?? '', behaviorOf(behavior));
  return { defaultBehavior: behaviorOf(element(configXml, 'DefaultCacheBehavior') ?? ''), behaviors };
}

function associationsXml(associations: FunctionAssociation[]): string {
  const items = associations.map((association) => `<FunctionAssociation>${leaf('FunctionARN', association.arn)}${leaf('EventType', association.eventType)}</FunctionAssociation>`).join('');
  return `<FunctionAssociations>${leaf('Quantity', associations.length)}${items === '' ? '' : `<Items>${items}</Items>`}</FunctionAssociations>`;
}

function withAssociations(behaviorXml: string, behavior: Behavior | undefined): string {
  if (behavior === undefined) return behaviorXml;
  const replacement = associationsXml(behavior.functionAssociations);
  return element(behaviorXml, 'FunctionAssociations') === undefined ? behaviorXml.replace(/<\/(Default)?CacheBehavior>$/, (close) => replacement + close) : replaceElement(behaviorXml, 'FunctionAssociations', replacement);
}

/** A Distribution or DistributionConfig as moto answered it, with the associations moto dropped put back. */
function restoreAssociations(xml: string, record: DistributionRecord): string {
  let restored = xml.replace(/<DefaultCacheBehavior>[\s\S]*?<\/DefaultCacheBehavior>/, (behavior) => withAssociations(behavior, record.defaultBehavior));
  restored = restored.replace(/<CacheBehavior>[\s\S]*?<\/CacheBehavior>/g, (behavior) => withAssociations(behavior, record.behaviors.get(text(behavior, 'PathPattern') ?? '')));
  record.defaultCacheBehaviorXml = element(restored, 'DefaultCacheBehavior') ?? record.defaultCacheBehaviorXml;
  return restored;
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, reply: Reply): void {
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body);
  response.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length), 'x-amzn-requestid': crypto.randomUUID() });
  response.end(body);
}

/** Whether a request is a CloudFront API call (S3 path-style keys may look alike: check the signature's scope). */
function isCloudFront(request: IncomingMessage, prefix: string): boolean {
  const url = request.url ?? '';
  if (!url.startsWith(`${API}${prefix}`)) return false;
  const rest = url.slice(API.length + prefix.length);
  if (rest !== '' && !/^[/?]/.test(rest)) return false;
  const authorization = request.headers.authorization;
  return authorization === undefined || authorization.includes('/cloudfront/aws4_request');
}

export class StandInState {
  readonly functions: FunctionStore;
  readonly policies: ResponseHeadersPolicyStore;
  readonly distributions = new Map<string, DistributionRecord>();

  constructor(account: string) {
    this.functions = new FunctionStore(account, (arn) => this.uses((behavior) => behavior.functionAssociations.some((association) => association.arn === arn)));
    this.policies = new ResponseHeadersPolicyStore((id) => this.uses((behavior) => behavior.responseHeadersPolicyId === id));
  }

  private uses(test: (behavior: Behavior) => boolean): boolean {
    return [...this.distributions.values()].some((record) => test(record.defaultBehavior) || [...record.behaviors.values()].some(test));
  }

  reset(): void {
    this.functions.reset();
    this.policies.reset();
    this.distributions.clear();
  }

  /** AWS's checks of a distribution's functions and policies, which moto does not make. */
  check(record: DistributionRecord): void {
    for (const behavior of [record.defaultBehavior, ...record.behaviors.values()]) {
      for (const association of behavior.functionAssociations) {
        if (association.eventType !== 'viewer-request' && association.eventType !== 'viewer-response') throw new ApiError(400, 'InvalidFunctionAssociation', `EventType ${association.eventType} is not valid for a CloudFront function; use viewer-request or viewer-response.`);
        const problem = this.functions.associationProblem(association.arn);
        if (problem !== undefined) throw problem;
      }
      const eventTypes = behavior.functionAssociations.map((association) => association.eventType);
      if (new Set(eventTypes).size !== eventTypes.length) throw new ApiError(400, 'InvalidFunctionAssociation', 'A cache behavior can have one function per event type.');
      if (behavior.responseHeadersPolicyId !== undefined) {
        const problem = this.policies.usageProblem(behavior.responseHeadersPolicyId);
        if (problem !== undefined) throw problem;
      }
    }
  }
}

interface Forwarded {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * Starts the stand-in on `port` (0: any free one) in front of moto at `motoEndpoint`.
 * `account` is the account moto answers for (moto's default unless MOTO_ACCOUNT_ID says otherwise).
 */
export async function startStandIn(motoEndpoint: string, options: { port?: number; account?: string } = {}): Promise<StandIn> {
  const moto = new URL(motoEndpoint);
  const state = new StandInState(options.account ?? '123456789012');

  const forward = (request: IncomingMessage, body: Buffer): Promise<Forwarded> =>
    new Promise((resolve, reject) => {
      const headers = { ...request.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = httpRequest({ host: moto.hostname, port: moto.port, method: request.method, path: request.url, headers }, (answer) => {
        readBody(answer).then((answerBody) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: answerBody }), reject);
      });
      upstream.once('error', reject);
      upstream.end(body);
    });

  const pipe = (request: IncomingMessage, response: ServerResponse): void => {
    const upstream = httpRequest({ host: moto.hostname, port: moto.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.once('error', (error) => {
      if (!response.headersSent) send(response, { status: 502, headers: { 'content-type': 'text/plain' }, body: `the emulator's stand-in could not reach moto_server: ${error.message}` });
      else response.destroy(error);
    });
    request.pipe(upstream);
  };

  const sendForwarded = (response: ServerResponse, forwarded: Forwarded, body: string | Buffer): void => {
    const headers = { ...forwarded.headers };
    delete headers['transfer-encoding'];
    delete headers['content-length'];
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
    response.writeHead(forwarded.status, { ...headers, 'content-length': String(bytes.length) });
    response.end(bytes);
  };

  const distribution = async (request: IncomingMessage, response: ServerResponse, apiRequest: ApiRequest, raw: Buffer): Promise<void> => {
    const [, id, action] = apiRequest.segments;
    const method = apiRequest.method;
    const writes = (method === 'POST' && id === undefined) || (method === 'PUT' && action === 'config');
    let incoming: DistributionRecord | undefined;
    if (writes) {
      incoming = distributionOf(element(apiRequest.body, 'DistributionConfig') ?? '');
      state.check(incoming);
    }
    const forwarded = await forward(request, raw);
    const ok = forwarded.status >= 200 && forwarded.status < 300;
    let body = forwarded.body.toString('utf8');
    if (ok && method === 'DELETE' && id !== undefined) state.distributions.delete(id);
    if (ok && incoming !== undefined) state.distributions.set(id ?? text(body, 'Id') ?? '', incoming);
    if (ok && method === 'GET' && id === undefined) {
      body = body.replace(/<DistributionSummary>[\s\S]*?<\/DistributionSummary>/g, (summary) => {
        const record = state.distributions.get(text(summary, 'Id') ?? '');
        if (record?.defaultCacheBehaviorXml === undefined || summary.includes('<DefaultCacheBehavior>')) return summary;
        return summary.replace(/<\/DistributionSummary>$/, `${record.defaultCacheBehaviorXml}</DistributionSummary>`);
      });
    } else if (ok && method !== 'DELETE') {
      const record = state.distributions.get(id ?? text(body, 'Id') ?? '');
      if (record !== undefined) body = restoreAssociations(body, record);
    }
    sendForwarded(response, forwarded, ok ? body : forwarded.body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (request.method === 'POST' && url.pathname === '/moto-api/reset') {
      state.reset();
      pipe(request, response);
      return;
    }
    const prefix = ['function', 'response-headers-policy', 'distribution', 'tagging'].find((candidate) => isCloudFront(request, candidate));
    if (prefix === undefined || (prefix === 'tagging' && !state.functions.isFunctionArn(url.searchParams.get('Resource')))) {
      pipe(request, response);
      return;
    }
    const raw = await readBody(request);
    const apiRequest: ApiRequest = {
      method: request.method ?? 'GET',
      segments: url.pathname.slice(API.length).split('/').filter((segment) => segment !== '').map(decodeURIComponent),
      query: url.searchParams,
      headers: request.headers,
      body: raw.toString('utf8'),
    };
    try {
      if (prefix === 'function') send(response, await state.functions.handle(apiRequest));
      else if (prefix === 'tagging') send(response, state.functions.tagging(apiRequest));
      else if (prefix === 'response-headers-policy') send(response, state.policies.handle(apiRequest));
      else await distribution(request, response, apiRequest, raw);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      send(response, errorReply(error));
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (!response.headersSent) send(response, errorReply(new ApiError(500, 'InternalError', `the emulator's stand-in failed: ${message}`)));
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
