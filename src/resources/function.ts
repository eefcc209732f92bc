// The counter's Lambda function: nodejs24.x on arm64, 128 MB, a short timeout. The code is the
// deterministic zip from src/lambda/bundle.ts; it is uploaded only when its SHA-256 differs from
// the deployed CodeSha256.
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, LambdaClient, TagResourceCommand, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2, type Architecture, type Runtime,
} from '@aws-sdk/client-lambda';
import type { Aws } from '../aws/clients.ts';
import { KNOWN_AFTER_APPLY, type Change, type Observed, type ResourceContext, type ResourceKind } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import { cachedLambdaZip, LAMBDA_HANDLER, type LambdaZip } from '../lambda/bundle.ts';
import { ENV } from '../lambda/handler.ts';
import { ignoreNotFound } from './not-found.ts';
import { arnName, orphansByTag } from './tagged.ts';
import { changedTags, hasChange, tagChanges } from './tags.ts';

export const RUNTIME: Runtime = 'nodejs24.x';
export const ARCHITECTURE: Architecture = 'arm64';
export const MEMORY_MB = 128;
/** Two DynamoDB calls and, on a cold start, one SSM call: well under a second when healthy. */
export const TIMEOUT_SECONDS = 5;

interface FunctionDesired {
  name: string;
  runtime: Runtime;
  architecture: Architecture;
  memorySize: number;
  timeout: number;
  handler: string;
  role: string;
  environment: Record<string, string>;
  codeSha256: string;
  tags: Record<string, string>;
}

export interface FunctionActual extends Observed {
  name: string;
  arn: string;
  runtime: string | undefined;
  architecture: string;
  memorySize: number | undefined;
  timeout: number | undefined;
  handler: string | undefined;
  role: string | undefined;
  environment: Record<string, string>;
  codeSha256: string | undefined;
  state: string | undefined;
  lastUpdateStatus: string | undefined;
  tags: Record<string, string>;
}

let zipBuild: Promise<LambdaZip> | undefined;

/** The counter's zip, built once per process so `up` and `plan` bundle it once. */
export function lambdaZip(): Promise<LambdaZip> {
  zipBuild ??= cachedLambdaZip().catch((error: unknown) => {
    zipBuild = undefined;
    throw error;
  });
  return zipBuild;
}

/**
 * The origins the counter answers CORS for, as its environment holds them: the site's own URL
 * plus the config's `counter.allowedOrigins`, sorted and deduplicated so the diff is stable. While
 * the site's URL is unknown (a plan before the distribution exists) the whole value is unknown:
 * a plan never shows a list that `up` would not set.
 */
export function counterOrigins(ctx: ResourceContext): string {
  const site = siteOrigin(ctx);
  if (site === KNOWN_AFTER_APPLY) return site;
  return [...new Set([...ctx.config.counter.allowedOrigins, site])].sort().join(',');
}

/** The site's origin (scheme and host), or KNOWN_AFTER_APPLY while the distribution is not made yet (plan). */
export function siteOrigin(ctx: ResourceContext): string {
  const siteUrl = ctx.output('distribution', 'siteUrl');
  return siteUrl === KNOWN_AFTER_APPLY ? siteUrl : new URL(siteUrl).origin;
}

const WAIT = { minDelay: 1, maxDelay: 5, maxWaitTime: 300 };

export async function findFunction(aws: Aws, name: string): Promise<FunctionActual | undefined> {
  const result = await ignoreNotFound('ResourceNotFoundException', () => aws.client(LambdaClient).send(new GetFunctionCommand({ FunctionName: name })));
  const configuration = result?.Configuration;
  if (!result || !configuration?.FunctionArn) return undefined;
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(configuration.Environment?.Variables ?? {})) environment[key] = value;
  return {
    id: name,
    arn: configuration.FunctionArn,
    outputs: { functionName: name, functionArn: configuration.FunctionArn, codeSha256: configuration.CodeSha256 ?? '' },
    name,
    runtime: configuration.Runtime,
    architecture: configuration.Architectures?.[0] ?? 'x86_64',
    memorySize: configuration.MemorySize,
    timeout: configuration.Timeout,
    handler: configuration.Handler,
    role: configuration.Role,
    environment,
    codeSha256: configuration.CodeSha256,
    state: configuration.State,
    lastUpdateStatus: configuration.LastUpdateStatus,
    tags: result.Tags ?? {},
  };
}

/** A function cannot be updated again until its LastUpdateStatus is Successful. */
export async function waitFunctionUpdated(aws: Aws, name: string): Promise<void> {
  await aws.wait(`function ${name} to finish updating`, (abortSignal) => waitUntilFunctionUpdatedV2({ client: aws.client(LambdaClient), abortSignal, ...WAIT }, { FunctionName: name }));
}

function configurationOf(desired: FunctionDesired) {
  return {
    FunctionName: desired.name,
    Runtime: desired.runtime,
    MemorySize: desired.memorySize,
    Timeout: desired.timeout,
    Handler: desired.handler,
    Role: desired.role,
    Environment: { Variables: desired.environment },
  };
}

const CONFIGURATION_FIELDS = ['runtime', 'memorySize', 'timeout', 'handler', 'role', 'environment'] as const;

export const counterFunction: ResourceKind<FunctionDesired, FunctionActual> = {
  name: 'function',
  title: 'Lambda function',
  dependsOn: ['role', 'logGroup', 'table', 'secret', 'distribution'],

  label: (ctx, actual) => actual?.name ?? ctx.names.function,

  async desired(ctx) {
    const zip = await lambdaZip();
    return {
      name: ctx.names.function,
      runtime: RUNTIME,
      architecture: ARCHITECTURE,
      memorySize: MEMORY_MB,
      timeout: TIMEOUT_SECONDS,
      handler: LAMBDA_HANDLER,
      role: ctx.output('role', 'roleArn'),
      environment: {
        [ENV.tableName]: ctx.output('table', 'tableName'),
        [ENV.secretParameter]: ctx.output('secret', 'parameterName'),
        [ENV.allowedOrigins]: counterOrigins(ctx),
        [ENV.uniqueWindowHours]: String(ctx.config.counter.uniqueWindowHours),
      },
      codeSha256: zip.sha256,
      tags: ctx.tags,
    };
  },

  read: (ctx) => findFunction(ctx.aws, ctx.names.function),

  diff(desired, actual) {
    const changes: Change[] = [];
    const scalar = (field: string, from: unknown, to: unknown) => {
      if (from !== to) changes.push({ field, from, to });
    };
    scalar('runtime', actual.runtime, desired.runtime);
    scalar('architecture', actual.architecture, desired.architecture);
    scalar('memorySize', actual.memorySize, desired.memorySize);
    scalar('timeout', actual.timeout, desired.timeout);
    scalar('handler', actual.handler, desired.handler);
    scalar('role', actual.role, desired.role);
    const keys = [...new Set([...Object.keys(desired.environment), ...Object.keys(actual.environment)])].sort();
    for (const key of keys) scalar(`environment.${key}`, actual.environment[key], desired.environment[key]);
    scalar('codeSha256', actual.codeSha256, desired.codeSha256);
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    const lambda = ctx.aws.client(LambdaClient);
    const zip = await lambdaZip();
    try {
      await lambda.send(new CreateFunctionCommand({
        ...configurationOf(desired),
        Description: `resume-infra ${ctx.names.project}: visitor counter`,
        Architectures: [desired.architecture],
        PackageType: 'Zip',
        Code: { ZipFile: zip.zip },
        Tags: desired.tags,
      }));
    } catch (error) {
      // A crashed run made it already: adopt it and converge it below.
      if (errorName(error) !== 'ResourceConflictException') throw error;
    }
    await ctx.aws.wait(`function ${desired.name} to be active`, (abortSignal) => waitUntilFunctionActiveV2({ client: lambda, abortSignal, ...WAIT }, { FunctionName: desired.name }));
    return { id: desired.name };
  },

  async update(ctx, desired, actual, changes) {
    const lambda = ctx.aws.client(LambdaClient);
    // A crashed run may have left an update in progress; the next one would be refused.
    if (actual.state === 'Pending') await ctx.aws.wait(`function ${actual.name} to be active`, (abortSignal) => waitUntilFunctionActiveV2({ client: lambda, abortSignal, ...WAIT }, { FunctionName: actual.name }));
    if (actual.lastUpdateStatus === 'InProgress') await waitFunctionUpdated(ctx.aws, actual.name);
    if (CONFIGURATION_FIELDS.some((field) => hasChange(changes, field))) {
      // A new role is retried until Lambda can assume it (not-yet.ts: lambdaRoleNotAssumable).
      await lambda.send(new UpdateFunctionConfigurationCommand(configurationOf(desired)));
      await waitFunctionUpdated(ctx.aws, actual.name);
    }
    // The architecture belongs to the code, not to the configuration.
    if (hasChange(changes, 'codeSha256') || hasChange(changes, 'architecture')) {
      const zip = await lambdaZip();
      await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: actual.name, ZipFile: zip.zip, Architectures: [desired.architecture] }));
      await waitFunctionUpdated(ctx.aws, actual.name);
    }
    if (hasChange(changes, 'tags')) {
      await lambda.send(new TagResourceCommand({ Resource: actual.arn, Tags: changedTags(desired.tags, changes) }));
    }
  },

  orphans: (ctx, keep) => orphansByTag(ctx, keep, 'lambda', (arn) => arnName(arn, ':function:'), (name) => findFunction(ctx.aws, name)),

  async delete(ctx, actual) {
    await ignoreNotFound('ResourceNotFoundException', () => ctx.aws.client(LambdaClient).send(new DeleteFunctionCommand({ FunctionName: actual.name })));
  },
};
