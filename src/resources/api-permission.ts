// The statement in the function's resource policy that lets API Gateway invoke it: only this
// API, any stage, any method, only the `/count` path.
import { AddPermissionCommand, GetPolicyCommand, LambdaClient, RemovePermissionCommand } from '@aws-sdk/client-lambda';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import { ignoreNotFound } from './not-found.ts';
import { COUNT_PATH } from '../lambda/handler.ts';

const PRINCIPAL = 'apigateway.amazonaws.com';
const ACTION = 'lambda:InvokeFunction';

interface PermissionDesired {
  functionName: string;
  statementId: string;
  sourceArn: string;
}

interface PermissionActual extends Observed {
  functionName: string;
  statementId: string;
  sourceArn: string | undefined;
  principal: string | undefined;
  action: string | undefined;
}

interface PolicyStatement {
  Sid?: string;
  Action?: string | string[];
  Principal?: string | { Service?: string | string[] };
  Condition?: { ArnLike?: Record<string, string> };
}

/** Fixed, so a rerun finds the statement again instead of adding a second one. */
const STATEMENT_ID = `resume-infra-apigw-${COUNT_PATH.slice(1)}`;

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

async function findPermission(ctx: ResourceContext, functionName: string, statementId: string): Promise<PermissionActual | undefined> {
  // Not found: no function, or a function without a resource policy.
  const policyText = (await ignoreNotFound('ResourceNotFoundException', () => ctx.aws.client(LambdaClient).send(new GetPolicyCommand({ FunctionName: functionName }))))?.Policy;
  if (policyText === undefined) return undefined;
  const policy = JSON.parse(policyText ?? '{}') as { Statement?: PolicyStatement[] };
  const statement = (policy.Statement ?? []).find((candidate) => candidate.Sid === statementId);
  if (!statement) return undefined;
  const principal = typeof statement.Principal === 'string' ? statement.Principal : joined(statement.Principal?.Service);
  // The condition key's case is not fixed (`AWS:SourceArn` as written by Lambda, `aws:SourceArn` in docs).
  const arnLike = Object.entries(statement.Condition?.ArnLike ?? {}).find(([key]) => key.toLowerCase() === 'aws:sourcearn');
  const sourceArn = arnLike?.[1];
  return {
    id: `${functionName}/${statementId}`,
    outputs: { statementId, ...(sourceArn ? { sourceArn } : {}) },
    functionName,
    statementId,
    sourceArn,
    principal,
    action: joined(statement.Action),
  };
}

async function removePermission(ctx: ResourceContext, functionName: string, statementId: string): Promise<void> {
  await ignoreNotFound('ResourceNotFoundException', () => ctx.aws.client(LambdaClient).send(new RemovePermissionCommand({ FunctionName: functionName, StatementId: statementId })));
}

async function addPermission(ctx: ResourceContext, desired: PermissionDesired): Promise<void> {
  const lambda = ctx.aws.client(LambdaClient);
  const add = () => lambda.send(new AddPermissionCommand({
    FunctionName: desired.functionName,
    StatementId: desired.statementId,
    Action: ACTION,
    Principal: PRINCIPAL,
    SourceArn: desired.sourceArn,
  }));
  try {
    await add();
  } catch (error) {
    if (errorName(error) !== 'ResourceConflictException') throw error;
    // The statement id is taken (a crashed run, or an edit by hand): replace that statement once.
    await removePermission(ctx, desired.functionName, desired.statementId);
    await add();
  }
}

export const apiPermission: ResourceKind<PermissionDesired, PermissionActual> = {
  name: 'apiPermission',
  title: 'Lambda permission',
  dependsOn: ['function', 'api'],

  label: (ctx) => `${ctx.names.function}/${STATEMENT_ID}`,

  desired: (ctx) => ({
    functionName: ctx.names.function,
    statementId: STATEMENT_ID,
    sourceArn: `arn:aws:execute-api:${ctx.names.region}:${ctx.names.account}:${ctx.output('api', 'restApiId')}/*/*${COUNT_PATH}`,
  }),

  read: (ctx) => findPermission(ctx, ctx.names.function, STATEMENT_ID),

  diff(desired, actual) {
    const changes: Change[] = [];
    if (actual.sourceArn !== desired.sourceArn) changes.push({ field: 'sourceArn', from: actual.sourceArn, to: desired.sourceArn });
    if (actual.principal !== PRINCIPAL) changes.push({ field: 'principal', from: actual.principal, to: PRINCIPAL });
    if (actual.action !== ACTION) changes.push({ field: 'action', from: actual.action, to: ACTION });
    return changes;
  },

  async create(ctx, desired) {
    await addPermission(ctx, desired);
    return { id: `${desired.functionName}/${desired.statementId}` };
  },

  async update(ctx, desired, actual) {
    // A statement cannot be edited in place: remove it and add it again.
    await removePermission(ctx, actual.functionName, actual.statementId);
    await addPermission(ctx, desired);
  },

  delete: (ctx, actual) => removePermission(ctx, actual.functionName, actual.statementId),
};

