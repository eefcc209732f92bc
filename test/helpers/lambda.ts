// What the counter Lambda tests share: SDK client settings for the emulator, and the API Gateway
// REST (v1 proxy) event the handler receives.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ACCOUNT } from './emulator.ts';

/** SDK client settings for the emulator: test credentials, no retries. */
export function emulatorClientConfig(endpoint: string, region: string) {
  return { endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
}

export interface EventOptions {
  /** POST unless given. */
  method?: string;
  /** The caller's address; null leaves sourceIp out, as a malformed event would. 198.51.100.7 unless given. */
  ip?: string | null;
  /** The Origin header's value; no Origin header unless given. */
  origin?: string;
  /** The header name the origin is sent under (default `Origin`), to test case-insensitive lookup. */
  originHeader?: string;
  /** /count unless given. */
  path?: string;
  /** The API Gateway resource; the path unless given. */
  resource?: string;
}

/** A REST API (v1 proxy integration) event as API Gateway sends it to the counter. */
export function restEvent(options: EventOptions = {}): APIGatewayProxyEvent {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/count';
  const headers: Record<string, string> = { 'User-Agent': 'test' };
  if (options.origin !== undefined) headers[options.originHeader ?? 'Origin'] = options.origin;
  const identity = {
    accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
    cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
    cognitoIdentityPoolId: null, principalOrgId: null, user: null, userAgent: 'test', userArn: null,
    sourceIp: options.ip === undefined ? '198.51.100.7' : options.ip,
  };
  return {
    body: null, headers, multiValueHeaders: {}, httpMethod: method, isBase64Encoded: false, path,
    pathParameters: null, queryStringParameters: null, multiValueQueryStringParameters: null, stageVariables: null,
    resource: options.resource ?? path,
    requestContext: {
      accountId: ACCOUNT, apiId: 'abc123', authorizer: undefined, protocol: 'HTTP/1.1', httpMethod: method,
      // A missing sourceIp is what the handler must survive, so the tests build one on purpose.
      identity: identity as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/prod${path}`, stage: 'prod', requestId: 'req-1', requestTimeEpoch: 0, resourceId: 'res1', resourcePath: path,
    },
  };
}
