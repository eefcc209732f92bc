// A stand-in in front of moto_server for what moto 5.2.1 lacks (MOTO.md): the CloudFront Functions
// API, custom response headers policies, and FunctionAssociations on distributions. Every other
// request goes to moto unchanged. State lives in this process and is cleared with moto's
// (`POST /moto-api/reset` through the stand-in).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FunctionStore } from './cloudfront-functions.ts';
import { distributionOf, restoreAssociations, restoreSummaries, type Behavior, type DistributionRecord } from './distributions.ts';
import { MotoProxy, readBody, send, sendForwarded } from './moto-proxy.ts';
import { ResponseHeadersPolicyStore } from './response-headers-policies.ts';
import { ApiError, element, errorReply, text, type ApiRequest } from './xml.ts';

const API = '/2020-05-31/';

export interface StandIn {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
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

class StandInState {
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

/**
 * Starts the stand-in on `port` (0: any free one) in front of moto at `motoEndpoint`.
 * `account` is the account moto answers for (moto's default unless MOTO_ACCOUNT_ID says otherwise).
 */
export async function startStandIn(motoEndpoint: string, options: { port?: number; account?: string } = {}): Promise<StandIn> {
  const moto = new MotoProxy(motoEndpoint);
  const state = new StandInState(options.account ?? '123456789012');

  const distribution = async (request: IncomingMessage, response: ServerResponse, apiRequest: ApiRequest, raw: Buffer): Promise<void> => {
    const [, id, action] = apiRequest.segments;
    const method = apiRequest.method;
    const writes = (method === 'POST' && id === undefined) || (method === 'PUT' && action === 'config');
    const incoming = writes ? distributionOf(element(apiRequest.body, 'DistributionConfig') ?? '') : undefined;
    if (incoming !== undefined) state.check(incoming);
    const forwarded = await moto.forward(request, raw);
    if (forwarded.status < 200 || forwarded.status >= 300) return sendForwarded(response, forwarded, forwarded.body);
    const body = forwarded.body.toString('utf8');
    const distributionId = id ?? text(body, 'Id') ?? '';
    if (method === 'DELETE') state.distributions.delete(distributionId);
    if (incoming !== undefined) state.distributions.set(distributionId, incoming);
    const record = state.distributions.get(distributionId);
    if (method === 'GET' && id === undefined) sendForwarded(response, forwarded, restoreSummaries(body, state.distributions));
    else sendForwarded(response, forwarded, record === undefined || method === 'DELETE' ? body : restoreAssociations(body, record));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (request.method === 'POST' && url.pathname === '/moto-api/reset') {
      state.reset();
      moto.pipe(request, response);
      return;
    }
    const prefix = ['function', 'response-headers-policy', 'distribution', 'tagging'].find((candidate) => isCloudFront(request, candidate));
    if (prefix === undefined || (prefix === 'tagging' && !state.functions.isFunctionArn(url.searchParams.get('Resource')))) {
      moto.pipe(request, response);
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
