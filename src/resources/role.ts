// The counter function's IAM role: trusted by Lambda only, with one inline least-privilege policy
// (this table, this parameter, this log group) and no managed policies.
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand, TagRoleCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import {
  canonicalPolicy, deleteRole, describeRole, isEntityAlreadyExists, removeOtherPolicies, soleInlinePolicyChanges, type PolicyDocument,
} from './iam.ts';
import { changedTags, hasChange, tagChanges, tagList } from './tags.ts';

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
    return { id: desired.name };
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
  },

  delete: (ctx, actual) => deleteRole(ctx.aws, actual.name),
};
