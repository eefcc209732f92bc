// A recording HTTP proxy in front of the emulator. Both tools in a benchmark are pointed at its
// URL, so their AWS requests are counted the same way: by service (the SigV4 credential scope)
// and operation (X-Amz-Target, the query protocol's Action, or the REST route), each classified
// as read-only or mutating.
//
// Bodies are streamed through untouched (chunked and aws-chunked uploads included); only a
// form-encoded body (the query protocol: IAM, STS) is buffered, to read its Action. Client
// connections are kept alive, and so are the connections to the emulator.
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyOperation, header, isMutating, type Classified } from './operations.ts';

export interface OperationCount {
  service: string;
  operation: string;
  mutating: boolean;
  count: number;
  /** Requests answered with an HTTP status of 400 or more. */
  errors: number;
  /** Sum of the times from request to the emulator's response headers, in ms. */
  ms: number;
}

export interface Counts {
  total: number;
  mutating: number;
  read: number;
  errors: number;
  /** PutObject and UploadPart requests: object bodies sent to S3. */
  s3ObjectPuts: number;
  /** The same, by bucket. */
  s3ObjectPutsByBucket: Record<string, number>;
  operations: OperationCount[];
}

/** One request as the proxy saw it: when it came in and when its answer went out (ms since reset). */
export interface TimelineEntry {
  service: string;
  operation: string;
  start: number;
  end: number;
  /** ms from forwarding the request to the emulator's response headers: its own time when serial. */
  serviceMs: number;
}

export interface RecordingProxy {
  url: string;
  counts(): Counts;
  /** Every request since the last reset, in the order their answers went out. */
  timeline(): TimelineEntry[];
  reset(): void;
  /**
   * Holds every answer back this many ms before the client gets it (0, the default: none). This
   * stands in for the network round trip and the service's own time that a real S3 endpoint
   * adds to each request and the emulator on loopback does not.
   */
  setLatency(ms: number): void;
  /** Holds the answers of one operation back `ms` more than setLatency's (0 ends it), e.g. to show what waits on that answer. */
  setOperationLatency(service: string, operation: string, ms: number): void;
  /**
   * Forwards one request at a time (each body read whole first), each only after the answer
   * before it ended, so each entry's serviceMs is the emulator's own time for that request.
   */
  setSerial(on: boolean): void;
  stop(): Promise<void>;
}

// Hop-by-hop headers belong to one connection and are not forwarded. `expect` is answered by
// this server (Node sends the 100 Continue itself), so the emulator never sees it.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect']);

function forwardedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const forwarded: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value;
  }
  return forwarded;
}

function isFormBody(headers: IncomingHttpHeaders): boolean {
  return (header(headers, 'content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the proxy on a free loopback port, forwarding to `target` (e.g. http://127.0.0.1:5000). */
export async function start(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const table = new Map<string, OperationCount>();
  const objectPuts = new Map<string, number>();
  let latencyMs = 0;
  const operationLatency = new Map<string, number>();
  let serial = false;
  let queue: Promise<void> = Promise.resolve();
  let timeline: TimelineEntry[] = [];
  let epoch = performance.now();

  const record = (classified: Classified, status: number, ms: number): void => {
    const key = `${classified.service}\u0000${classified.operation}`;
    let entry = table.get(key);
    if (!entry) {
      entry = { service: classified.service, operation: classified.operation, mutating: isMutating(classified), count: 0, errors: 0, ms: 0 };
      table.set(key, entry);
    }
    entry.count++;
    if (classified.bucket !== undefined && (classified.operation === 'PutObject' || classified.operation === 'UploadPart')) {
      objectPuts.set(classified.bucket, (objectPuts.get(classified.bucket) ?? 0) + 1);
    }
    entry.ms += ms;
    if (status >= 400) entry.errors++;
  };

  const server = createServer(async (req, res) => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    try {
      const form = isFormBody(req.headers) ? await readBody(req) : undefined;
      const classified = classifyOperation({ method, url, headers: req.headers, formBody: form?.toString('utf8') });
      const headers = forwardedHeaders(req.headers);
      const body = form ?? (serial ? await readBody(req) : undefined);
      if (body !== undefined) {
        delete headers['transfer-encoding'];
        headers['content-length'] = String(body.length);
      }
      let release = (): void => undefined;
      if (serial) {
        const previous = queue;
        queue = new Promise<void>((resolve) => { release = resolve; });
        await previous;
      }
      const forwardedAt = performance.now();
      const answer = (response: IncomingMessage): void => {
        const responseHeaders = forwardedHeaders(response.headers);
        // Recorded when the answer starts, before the client can have it: a count read right
        // after a client process exits always includes that process's last request.
        record(classified, response.statusCode ?? 502, performance.now() - started);
        timeline.push({ service: classified.service, operation: classified.operation, start: started - epoch, end: performance.now() - epoch, serviceMs: serviceMs ?? 0 });
        res.writeHead(response.statusCode ?? 502, response.statusMessage, responseHeaders);
        response.pipe(res);
      };
      let serviceMs: number | undefined;
      const proxied = request({ protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method, path: url, headers, agent }, (response) => {
        serviceMs = performance.now() - forwardedAt;
        response.once('end', release);
        response.once('error', release);
        const delay = latencyMs + (operationLatency.get(`${classified.service}\u0000${classified.operation}`) ?? 0);
        if (delay > 0) {
          response.pause();
          setTimeout(() => answer(response), delay);
        } else {
          answer(response);
        }
      });
      proxied.once('error', (error) => {
        release();
        record(classified, 502, performance.now() - started);
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bench proxy: forwarding to the emulator failed: ${error.message}`);
      });
      if (body !== undefined) proxied.end(body);
      else req.pipe(proxied);
    } catch (error) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bench proxy: ${(error as Error).message}`);
    }
  });
  // Clients (Go's and botocore's pools, the SDK's agent) reuse idle connections for a while;
  // Node's 5 s default would close them under a client about to send on them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts() {
      const operations = [...table.values()].map((entry) => ({ ...entry })).sort((a, b) => b.count - a.count || a.service.localeCompare(b.service) || a.operation.localeCompare(b.operation));
      const sum = (entries: OperationCount[]) => entries.reduce((total, entry) => total + entry.count, 0);
      return {
        total: sum(operations),
        mutating: sum(operations.filter((entry) => entry.mutating)),
        read: sum(operations.filter((entry) => !entry.mutating)),
        errors: operations.reduce((total, entry) => total + entry.errors, 0),
        s3ObjectPuts: [...objectPuts.values()].reduce((total, count) => total + count, 0),
        s3ObjectPutsByBucket: Object.fromEntries(objectPuts),
        operations,
      };
    },
    timeline() {
      return timeline.map((entry) => ({ ...entry }));
    },
    reset() {
      table.clear();
      objectPuts.clear();
      timeline = [];
      epoch = performance.now();
    },
    setLatency(ms: number) {
      latencyMs = ms;
    },
    setOperationLatency(service: string, operation: string, ms: number) {
      if (ms > 0) operationLatency.set(`${service}\u0000${operation}`, ms);
      else operationLatency.delete(`${service}\u0000${operation}`);
    },
    setSerial(on: boolean) {
      serial = on;
    },
    async stop() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
