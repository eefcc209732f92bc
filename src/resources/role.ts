// The counter function's IAM role: trusted by Lambda only, with one inline least-privilege policy
// (this table, this parameter, this log group) and no managed policies.
import {
  CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient,
  paginateListAttachedRolePolicies, paginateListRolePolicies, PutRolePolicyCommand, TagRoleCommand, UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { Aws } from '../aws/clients.ts';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import { readAfterCreate } from '../aws/not-yet.ts';
import { changedTags, hasChange, tagChanges, tagList, tagRecord } from './tags.ts';

/** An IAM policy document, as written here and as parsed back from IAM. */
export interface PolicyDocument {
  Version: string;
  Statement: Array<Record<string, unknown>>;
}

interface RoleDesired {
  name: string;
  policyName: string;
  trustPolicy: PolicyDocument;
  policy: PolicyDocument;
  tags: Record<string, string>;
}

interface RoleActual extends Observed {
  name: string;
  trustPolicy: unknown;
  /** Inline policies by name, parsed. */
  inlinePolicies: Record<string, unknown>;
  managedPolicyArns: string[];
  tags: Record<string, string>;
}

export const LAMBDA_TRUST_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** The only permissions the counter needs: its two DynamoDB writes and one read, its secret, and its own log streams. */
export function counterPolicy(arns: { table: string; parameter: string; logGroup: string }): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'CounterTable', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: arns.table },
      { Sid: 'IpHashSecret', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: arns.parameter },
      { Sid: 'FunctionLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${arns.logGroup}:*` },
    ],
  };
}

export function logGroupArn(ctx: ResourceContext): string {
  return `arn:aws:logs:${ctx.names.region}:${ctx.names.account}:log-group:${ctx.names.logGroup}`;
}

/** IAM returns policy documents URL-encoded (RFC 3986), on AWS as in the emulator. */
export function decodePolicyDocument(raw: string): unknown {
  const text = raw.trimStart().startsWith('{') ? raw : decodeURIComponent(raw);
  return JSON.parse(text) as unknown;
}

const LIST_KEYS = new Set(['Action', 'NotAction', 'Resource', 'NotResource', 'Service', 'AWS', 'Federated']);

function canonicalValue(value: unknown, key?: string): unknown {
  if (key !== undefined && LIST_KEYS.has(key) && (typeof value === 'string' || Array.isArray(value))) {
    return (Array.isArray(value) ? [...value] : [value]).map(String).sort();
  }
  // Elsewhere (a Condition's values) a one-element list means the same as its element.
  if (Array.isArray(value)) return value.length === 1 ? canonicalValue(value[0]) : value.map((item) => canonicalValue(item));
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((name) => [name, canonicalValue(record[name], name)]));
  }
  return value;
}

/**
 * A policy in one canonical text, so that equal policies compare equal whatever IAM or S3 did to
 * them: a single Statement object or an array, `"Action": "x"` or `["x"]`, any key or list order.
 */
export function canonicalPolicy(document: unknown): string {
  if (typeof document !== 'object' || document === null) return JSON.stringify(document);
  const { Statement, ...rest } = document as Record<string, unknown>;
  const statements = (Array.isArray(Statement) ? Statement : Statement === undefined ? [] : [Statement]).map((statement) => JSON.stringify(canonicalValue(statement)));
  return JSON.stringify({ ...(canonicalValue(rest) as object), Statement: statements.sort().map((text) => JSON.parse(text) as unknown) });
}

/** A role as IAM reports it, policies parsed; undefined when it does not exist. Shared with the CI deploy role. */
export interface DescribedRole {
  arn: string;
  trustPolicy: unknown;
  /** Inline policies by name, parsed. */
  inlinePolicies: Record<string, unknown>;
  managedPolicyArns: string[];
  maxSessionDuration: number | undefined;
  tags: Record<string, string>;
}

export async function describeRole(aws: Aws, name: string): Promise<DescribedRole | undefined> {
  const iam = aws.globalClient(IAMClient);
  let role;
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
  if (!role?.Arn) return undefined;
  const policyNames: string[] = [];
  for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: name })) policyNames.push(...(page.PolicyNames ?? []));
  const managedPolicyArns: string[] = [];
  for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: name })) {
    for (const policy of page.AttachedPolicies ?? []) if (policy.PolicyArn) managedPolicyArns.push(policy.PolicyArn);
  }
  const inlinePolicies: Record<string, unknown> = {};
  await Promise.all(policyNames.map(async (policyName) => {
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
    inlinePolicies[policyName] = decodePolicyDocument(policy.PolicyDocument ?? '{}');
  }));
  return {
    arn: role.Arn,
    trustPolicy: decodePolicyDocument(role.AssumeRolePolicyDocument ?? '{}'),
    inlinePolicies,
    managedPolicyArns: managedPolicyArns.sort(),
    maxSessionDuration: role.MaxSessionDuration,
    tags: tagRecord(role.Tags),
  };
}

/**
 * Drift of a role that must hold exactly one inline policy and nothing else: any other inline
 * or managed policy widens it beyond least privilege.
 */
export function soleInlinePolicyChanges(actual: Pick<DescribedRole, 'inlinePolicies' | 'managedPolicyArns'>, policyName: string, policy: PolicyDocument): Change[] {
  const changes: Change[] = [];
  const current = actual.inlinePolicies[policyName];
  if (current === undefined || canonicalPolicy(current) !== canonicalPolicy(policy)) {
    changes.push({ field: `inlinePolicy.${policyName}`, from: current, to: policy });
  }
  const extra = Object.keys(actual.inlinePolicies).filter((name) => name !== policyName).sort();
  if (extra.length > 0) changes.push({ field: 'otherInlinePolicies', from: extra, to: [] });
  if (actual.managedPolicyArns.length > 0) changes.push({ field: 'managedPolicies', from: actual.managedPolicyArns, to: [] });
  return changes;
}

async function findRole(ctx: ResourceContext, name: string): Promise<RoleActual | undefined> {
  const role = await describeRole(ctx.aws, name);
  if (!role) return undefined;
  return {
    id: name,
    arn: role.arn,
    outputs: { roleName: name, roleArn: role.arn },
    name,
    trustPolicy: role.trustPolicy,
    inlinePolicies: role.inlinePolicies,
    managedPolicyArns: role.managedPolicyArns,
    tags: role.tags,
  };
}

/** IAM's "not found": the SDK names it NoSuchEntityException (the wire code is NoSuchEntity). */
export function isNoSuchEntity(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NoSuchEntityException' || name === 'NoSuchEntity';
}

export function isEntityAlreadyExists(error: unknown): boolean {
  const name = errorName(error);
  return name === 'EntityAlreadyExistsException' || name === 'EntityAlreadyExists';
}

function ignoreNoSuchEntity(error: unknown): void {
  if (!isNoSuchEntity(error)) throw error;
}

/** Deletes every inline policy but `keep` and detaches every managed policy. */
export async function removeOtherPolicies(aws: Aws, roleName: string, role: Pick<DescribedRole, 'inlinePolicies' | 'managedPolicyArns'>, keep: string | undefined): Promise<void> {
  const iam = aws.globalClient(IAMClient);
  for (const policyName of Object.keys(role.inlinePolicies).filter((name) => name !== keep)) {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })).catch(ignoreNoSuchEntity);
  }
  for (const policyArn of role.managedPolicyArns) {
    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })).catch(ignoreNoSuchEntity);
  }
}

/** Deletes a role and, first, its policies: IAM refuses (DeleteConflict) a role that still has any. Gone already is fine. */
export async function deleteRole(aws: Aws, roleName: string): Promise<void> {
  const current = await describeRole(aws, roleName);
  if (!current) return;
  await removeOtherPolicies(aws, roleName, current, undefined);
  await aws.globalClient(IAMClient).send(new DeleteRoleCommand({ RoleName: roleName })).catch(ignoreNoSuchEntity);
}

export const role: ResourceKind<RoleDesired, RoleActual> = {
  name: 'role',
  title: 'IAM role',
  dependsOn: ['table', 'secret'],

  label: (ctx) => ctx.names.role,

  desired: (ctx) => ({
    name: ctx.names.role,
    policyName: ctx.names.rolePolicy,
    trustPolicy: LAMBDA_TRUST_POLICY,
    policy: counterPolicy({ table: ctx.output('table', 'tableArn'), parameter: ctx.output('secret', 'parameterArn'), logGroup: logGroupArn(ctx) }),
    tags: ctx.tags,
  }),

  read: (ctx) => findRole(ctx, ctx.names.role),

  diff(desired, actual) {
    const changes: Change[] = [];
    if (canonicalPolicy(actual.trustPolicy) !== canonicalPolicy(desired.trustPolicy)) {
      changes.push({ field: 'trustPolicy', from: actual.trustPolicy, to: desired.trustPolicy });
    }
    changes.push(...soleInlinePolicyChanges(actual, desired.policyName, desired.policy));
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    try {
      await ctx.aws.globalClient(IAMClient).send(new CreateRoleCommand({
        RoleName: desired.name,
        Description: `resume-infra ${ctx.names.project}: the visitor counter function`,
        AssumeRolePolicyDocument: JSON.stringify(desired.trustPolicy),
        Tags: tagList(desired.tags),
      }));
    } catch (error) {
      // A crashed run made it already: adopt it and converge it below.
      if (!isEntityAlreadyExists(error)) throw error;
    }
    const created = await readAfterCreate(ctx.aws, 'iamReadAfterCreate', () => findRole(ctx, desired.name));
    if (!created) throw new Error(`creating IAM role (${desired.name}): not found right after creation`);
    const changes = role.diff(desired, created);
    return changes.length > 0 ? role.update(ctx, desired, created, changes) : created;
  },

  async update(ctx, desired, actual, changes) {
    const iam = ctx.aws.globalClient(IAMClient);
    if (hasChange(changes, 'trustPolicy')) {
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: actual.name, PolicyDocument: JSON.stringify(desired.trustPolicy) }));
    }
    if (hasChange(changes, 'inlinePolicy')) {
      await iam.send(new PutRolePolicyCommand({ RoleName: actual.name, PolicyName: desired.policyName, PolicyDocument: JSON.stringify(desired.policy) }));
    }
    await removeOtherPolicies(ctx.aws, actual.name, actual, desired.policyName);
    if (hasChange(changes, 'tags')) {
      await iam.send(new TagRoleCommand({ RoleName: actual.name, Tags: tagList(changedTags(desired.tags, changes)) }));
    }
    const updated = await findRole(ctx, actual.name);
    if (!updated) throw new Error(`updating IAM role (${actual.name}): it vanished during the update`);
    return updated;
  },

  delete: (ctx, actual) => deleteRole(ctx.aws, actual.name),
};
