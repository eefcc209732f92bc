// The counter function's IAM role: trusted by Lambda only, with one inline least-privilege policy
// (this table, this parameter, this log group) and no managed policies.
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { canonicalPolicy, createRole, deleteRole, describeRole, soleInlinePolicyChanges, updateRole, type PolicyDocument, type RoleSpec } from './iam.ts';
import { tagChanges } from './tags.ts';

type RoleDesired = RoleSpec & { trustPolicy: PolicyDocument };

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

async function findRole(ctx: ResourceContext, name: string): Promise<RoleActual | undefined> {
  const role = await describeRole(ctx.aws, name, { expectedPolicy: ctx.names.rolePolicy });
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

export const role: ResourceKind<RoleDesired, RoleActual> = {
  name: 'role',
  title: 'IAM role',
  readAfterWrite: 'iamReadAfterCreate',
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

  create: (ctx, desired) => createRole(ctx, desired, { Description: `resume-infra ${ctx.names.project}: the visitor counter function` }),

  update: (ctx, desired, actual, changes) => updateRole(ctx, desired, actual, changes),

  delete: (ctx, actual) => deleteRole(ctx.aws, actual.name),
};
