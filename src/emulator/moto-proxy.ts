// How the emulator's stand-in reaches moto_server: a request piped through unchanged, or one
// forwarded whole so that the stand-in can read and amend moto's answer.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Reply } from './xml.ts';

export interface Forwarded {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function send(response: ServerResponse, reply: Reply): void {
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body);
  response.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length), 'x-amzn-requestid': crypto.randomUUID() });
  response.end(body);
}

export class MotoProxy {
  private readonly moto: URL;

  constructor(motoEndpoint: string) {
    this.moto = new URL(motoEndpoint);
  }

  /** Sends `request` with its already-read `body` to moto and reads the whole answer. */
  forward(request: IncomingMessage, body: Buffer): Promise<Forwarded> {
    return new Promise((resolve, reject) => {
      const headers = { ...request.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = httpRequest({ host: this.moto.hostname, port: this.moto.port, method: request.method, path: request.url, headers }, (answer) => {
        readBody(answer).then((answerBody) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: answerBody }), reject);
      });
      upstream.once('error', reject);
      upstream.end(body);
    });
  }

  /** Streams `request` to moto and moto's answer back, both unchanged. */
  pipe(request: IncomingMessage, response: ServerResponse): void {
    const upstream = httpRequest({ host: this.moto.hostname, port: this.moto.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.once('error', (error) => {
      if (!response.headersSent) send(response, { status: 502, headers: { 'content-type': 'text/plain' }, body: `the emulator's stand-in could not reach moto_server: ${error.message}` });
      else response.destroy(error);
    });
    request.pipe(upstream);
  }
}

/** Answers with moto's status and headers and `body` (moto's, or amended). */
export function sendForwarded(response: ServerResponse, forwarded: Forwarded, body: string | Buffer): void {
  const headers = { ...forwarded.headers };
  delete headers['transfer-encoding'];
  delete headers['content-length'];
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  response.writeHead(forwarded.status, { ...headers, 'content-length': String(bytes.length) });
  response.end(bytes);
}
