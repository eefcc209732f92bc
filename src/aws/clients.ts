// The one place SDK clients are built. Business logic asks for a client by its class
// (`aws.client(S3Client)`) so this module imports no SDK package itself, which keeps
// `--help` from loading the SDK.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwsCredentialIdentityProvider, HandlerExecutionContext, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { UserError } from '../errors.ts';
import { CallLog, type CallLogEntry } from './call-log.ts';
import { alwaysCaseFor, EXPLAINED, untilReady, type NotYetName, type NotYetWaiter } from './not-yet.ts';
import { ThrottlingTolerantRetryStrategy } from './retry.ts';
import { testHooks } from './test-hooks.ts';

export interface AwsOptions {
  region: string;
  profile?: string;
  /** Every AWS call goes here (the local emulator); `AWS_ENDPOINT_URL` is honoured by the SDK too. */
  endpointUrl?: string;
  maxAttempts?: number;
  /** Called for every finished AWS call (one line per call with --verbose). */
  onCall?: (entry: CallLogEntry) => void;
  /** Called once when a call starts waiting out a "not yet" answer (not-yet.ts). */
  onNotYet?: (name: NotYetName, waitingFor: string) => void;
  /** The credentials of every client; the SDK's default chain (per client) when absent. */
  credentials?: AwsCredentialIdentityProvider;
}

/** The fields of client configuration this module sets; every v3 client accepts them. */
interface SharedClientConfig {
  region: string;
  endpoint?: string;
  profile?: string;
  maxAttempts: number;
  retryStrategy: ThrottlingTolerantRetryStrategy;
  forcePathStyle?: boolean;
  credentials?: AwsCredentialIdentityProvider;
}

interface SdkClient {
  middlewareStack: unknown;
  destroy(): void;
}

export type ClientClass<C extends SdkClient> = new (config: SharedClientConfig) => C;

/** Services whose control plane lives in us-east-1 whatever the project's region. */
export const GLOBAL_REGION = 'us-east-1';

const DEFAULT_MAX_ATTEMPTS = 8;

const IDENTIFYING_INPUT_FIELDS = [
  'Bucket', 'Key', 'TableName', 'Name', 'FunctionName', 'RoleName', 'PolicyName', 'restApiId',
  'Id', 'HostedZoneId', 'CertificateArn', 'logGroupName', 'ResourceArn', 'DistributionId',
] as const;

function describeTarget(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const record = input as Record<string, unknown>;
  const parts: string[] = [];
  for (const field of IDENTIFYING_INPUT_FIELDS) {
    const value = record[field];
    if (typeof value === 'string') parts.push(value);
  }
  return parts.length > 0 ? parts.join('/') : undefined;
}

/** The answers that mean "these credentials may not do this": never worth waiting for. */
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationErrorException', 'UnrecognizedClientException']);

/** IAM action prefixes of the services the tool calls, keyed by SDK client name without `Client`. */
const IAM_PREFIX: Record<string, string> = {
  S3: 's3', DynamoDB: 'dynamodb', Lambda: 'lambda', IAM: 'iam', ACM: 'acm', CloudFront: 'cloudfront', Route53: 'route53',
  APIGateway: 'apigateway', SSM: 'ssm', CloudWatchLogs: 'logs', STS: 'sts', ResourceGroupsTaggingAPI: 'tag',
};

/** The IAM action an SDK call needs, as AWS names it in a denial (close enough for S3's few exceptions). */
export function iamActionOf(service: string, operation: string): string {
  return `${IAM_PREFIX[service] ?? service.toLowerCase()}:${operation}`;
}

interface WaitScope {
  controller: AbortController;
  denied?: { action: string; error: Error };
}

export class Aws implements NotYetWaiter {
  readonly region: string;
  readonly callLog = new CallLog();
  private readonly options: AwsOptions;
  private readonly clients = new Map<string, SdkClient>();
  private readonly waitScope = new AsyncLocalStorage<WaitScope>();

  constructor(options: AwsOptions) {
    this.options = options;
    this.region = options.region;
  }

  get endpointUrl(): string | undefined {
    return this.options.endpointUrl ?? process.env.AWS_ENDPOINT_URL;
  }

  /** A client in the project's region. */
  client<C extends SdkClient>(clientClass: ClientClass<C>): C {
    return this.clientIn(clientClass, this.region);
  }

  /** A client in us-east-1, for CloudFront, ACM certificates used by CloudFront, Route 53 and IAM. */
  globalClient<C extends SdkClient>(clientClass: ClientClass<C>): C {
    return this.clientIn(clientClass, GLOBAL_REGION);
  }

  clientIn<C extends SdkClient>(clientClass: ClientClass<C>, region: string, overrides: { maxAttempts?: number } = {}): C {
    const key = `${clientClass.name}@${region}/${overrides.maxAttempts ?? ''}`;
    const cached = this.clients.get(key);
    if (cached) return cached as C;
    const endpoint = this.endpointUrl;
    const maxAttempts = overrides.maxAttempts ?? this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const config: SharedClientConfig = {
      region,
      maxAttempts,
      // maxAttempts bounds outages and bad endpoints; throttling is retried longer (retry.ts).
      retryStrategy: new ThrottlingTolerantRetryStrategy(maxAttempts),
      ...(endpoint ? { endpoint } : {}),
      ...(this.options.credentials ? { credentials: this.options.credentials } : this.options.profile ? { profile: this.options.profile } : {}),
      // Path-style keeps bucket names out of the host name, which `localhost` endpoints need.
      ...(endpoint && clientClass.name === 'S3Client' ? { forcePathStyle: true } : {}),
    };
    const client = new clientClass(config);
    this.instrument(client);
    this.clients.set(key, client);
    return client;
  }

  private instrument(client: SdkClient): void {
    const stack = client.middlewareStack as MiddlewareStack<object, MetadataBearer>;
    const callLog = this.callLog;
    const onCall = this.options.onCall;
    stack.add(
      (next, context: HandlerExecutionContext) => async (args) => {
        const started = performance.now();
        const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        const target = describeTarget(args.input);
        testHooks.recordCall(service, operation, args.input);
        const finish = (outcome: string, attempts: number | undefined): CallLogEntry => {
          const entry = callLog.record({ service, operation, target, ms: Math.round(performance.now() - started), outcome, attempts });
          onCall?.(entry);
          return entry;
        };
        try {
          const result = await next(args);
          const entry = finish('ok', result.output.$metadata?.attempts);
          testHooks.afterCall(entry);
          return result;
        } catch (error) {
          const attempts = (error as MetadataBearer).$metadata?.attempts;
          testHooks.afterCall(finish(error instanceof Error ? error.name : 'Error', attempts));
          throw error;
        }
      },
      { step: 'initialize', name: 'resumeInfraCallLog', override: true },
    );
    stack.add(
      (next, context: HandlerExecutionContext) => async (args) => {
        const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        try {
          return await next(args);
        } catch (error) {
          const explained = Object.values(EXPLAINED).find((entry) => entry.service === service && error instanceof Error && (entry.errors as readonly string[]).includes(error.name) && entry.message.test(error.message));
          if (explained) throw new UserError(explained.explain, { cause: error });
          const scope = this.waitScope.getStore();
          if (scope && error instanceof Error && ACCESS_DENIED.has(error.name)) {
            // SDK waiters take every error for "not yet" and would poll a denial for the whole wait.
            scope.denied ??= { action: iamActionOf(service, operation), error };
            scope.controller.abort();
            throw error;
          }
          const notYet = alwaysCaseFor(service, operation, error);
          if (!notYet) throw error;
          // The first answer was "not yet" already: wait before asking again.
          let answered = false;
          return untilReady(notYet, async () => {
            if (!answered) {
              answered = true;
              throw error;
            }
            return { done: true, value: await next(args) };
          }, (again) => alwaysCaseFor(service, operation, again) === notYet, this);
        }
      },
      { step: 'initialize', priority: 'low', name: 'resumeInfraNotYet', override: true },
    );
    testHooks.instrument(stack);
  }

  /** Where "waiting for …" goes while live progress lines are drawn (instead of `onNotYet`). */
  notYetListener: ((name: NotYetName, waitingFor: string) => void) | undefined;

  onWait(name: NotYetName, waitingFor: string): void {
    (this.notYetListener ?? this.options.onNotYet)?.(name, waitingFor);
  }

  /**
   * Runs an SDK waiter (given the abort signal to pass it) so that an AccessDenied inside it fails
   * at once, naming the denied action, instead of being polled until the waiter's time runs out.
   */
  async wait<T>(what: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const scope: WaitScope = { controller: new AbortController() };
    try {
      const result = await this.waitScope.run(scope, () => run(scope.controller.signal));
      if (!scope.denied) return result;
    } catch (error) {
      if (!scope.denied) throw error;
    }
    const { action, error } = scope.denied;
    throw new UserError(`waiting for ${what}: AWS denied ${action} (${error.name}); allow ${action} for these credentials and run again`, { cause: error });
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
