// The role GitHub Actions assumes through OIDC to run `up`: trusted only by one repository's pushes
// to one branch, for at most an hour, with one inline policy scoped to this project (deploy-policy.ts).
import { IAMClient, UpdateRoleCommand } from '@aws-sdk/client-iam';
import type { Aws } from '../../aws/clients.ts';
import type { Change, Observed, ResourceContext, ResourceKind } from '../../engine/types.ts';
import { UserError } from '../../errors.ts';
import { findHostedZone } from '../hosted-zone.ts';
import { redirectNames } from '../redirect-names.ts';
import { canonicalPolicy, createRole, deleteRole, describeRole, type DescribedRole, soleInlinePolicyChanges, updateRole, type PolicyDocument, type RoleSpec } from '../iam.ts';
import { hasChange, tagChanges } from '../tags.ts';
import { deployPolicy, INLINE_ROLE_POLICY_LIMIT, policySize } from './deploy-policy.ts';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, githubOidcProvider, githubProviderArn } from './oidc-provider.ts';

/** The repository and branch whose workflow runs may assume the role. */
export interface GitHubTarget {
  /** `owner/name`. */
  repo: string;
  branch: string;
}

export const MAX_SESSION_SECONDS = 3600;

/** The `sub` claim of a GitHub Actions token for a run on that branch (a job without `environment:`). */
export function githubSubject(target: GitHubTarget): string {
  return `repo:${target.repo}:ref:refs/heads/${target.branch}`;
}

export function githubTrustPolicy(providerArn: string, target: GitHubTarget): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Federated: providerArn },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: githubSubject(target),
        },
      },
    }],
  };
}

const SUBJECT = /^repo:([^:]+):ref:refs\/heads\/(.+)$/;

/** The repository and branch a trust policy made by githubTrustPolicy accepts; undefined for any other shape. */
export function targetFromTrustPolicy(document: unknown): GitHubTarget | undefined {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  for (const statement of Array.isArray(statements) ? statements : [statements]) {
    const equals = (statement as { Condition?: { StringEquals?: Record<string, unknown> } } | undefined)?.Condition?.StringEquals;
    const raw = equals?.[`${GITHUB_OIDC_HOST}:sub`];
    const subject = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
    const match = typeof subject === 'string' ? SUBJECT.exec(subject) : null;
    if (match?.[1] && match[2]) return { repo: match[1], branch: match[2] };
  }
  return undefined;
}

/** The trust policy is undefined when planning a role whose repository is unknown (not recorded, trust policy of another shape): left as it is. */
type DeployRoleDesired = RoleSpec;

interface DeployRoleActual extends Observed, Omit<DescribedRole, 'arn'> {
  name: string;
}

/**
 * The deploy role as IAM reports it; undefined when it does not exist. `likelyMissing`: looked
 * for in case it exists (plan, before it knows whether ci-setup ran), see describeRole.
 */
export async function findDeployRole(aws: Aws, name: string, options: { likelyMissing?: boolean; expectedPolicy?: string } = {}): Promise<DeployRoleActual | undefined> {
  const role = await describeRole(aws, name, options);
  if (!role) return undefined;
  const target = targetFromTrustPolicy(role.trustPolicy);
  return {
    id: name,
    arn: role.arn,
    // The repository and branch it trusts now: what `plan` compares against after ci-setup recorded them.
    outputs: { roleName: name, roleArn: role.arn, repo: target?.repo ?? '', branch: target?.branch ?? '' },
    name,
    trustPolicy: role.trustPolicy,
    inlinePolicies: role.inlinePolicies,
    managedPolicyArns: role.managedPolicyArns,
    maxSessionDuration: role.maxSessionDuration,
    tags: role.tags,
  };
}

async function desiredPolicy(ctx: ResourceContext): Promise<PolicyDocument> {
  const zone = ctx.config.domain ? await findHostedZone(ctx) : undefined;
  const policy = deployPolicy({
    names: ctx.names,
    domain: ctx.config.domain,
    redirectNames: await redirectNames(ctx),
    hostedZoneId: zone?.id,
    deployRoleArn: `arn:aws:iam::${ctx.names.account}:role/${ctx.names.deployRole}`,
    providerArn: githubProviderArn(ctx.names.account),
  });
  const size = policySize(policy);
  if (size > INLINE_ROLE_POLICY_LIMIT) throw new Error(`the deploy policy is ${size} characters, over IAM's ${INLINE_ROLE_POLICY_LIMIT}`);
  return policy;
}

/** The deploy role for `target`; without one (plan and destroy of a role whose repository is unknown) it can only be read. */
export function deployRole(target: GitHubTarget | undefined): ResourceKind<DeployRoleDesired, DeployRoleActual> {
  const kind: ResourceKind<DeployRoleDesired, DeployRoleActual> = {
    name: 'deployRole',
    title: 'GitHub deploy role (ci-setup)',
    readAfterWrite: 'iamReadAfterCreate',
    dependsOn: [githubOidcProvider.name],

    label: (ctx, actual) => {
      const repo = target?.repo ?? actual?.outputs.repo;
      const branch = target?.branch ?? actual?.outputs.branch;
      return repo && branch ? `${ctx.names.deployRole} (${repo}@${branch})` : ctx.names.deployRole;
    },

    desired: async (ctx) => ({
      name: ctx.names.deployRole,
      policyName: ctx.names.deployRolePolicy,
      trustPolicy: target ? githubTrustPolicy(githubProviderArn(ctx.names.account), target) : undefined,
      policy: await desiredPolicy(ctx),
      tags: ctx.tags,
    }),

    read: (ctx) => findDeployRole(ctx.aws, ctx.names.deployRole, { expectedPolicy: ctx.names.deployRolePolicy }),

    diff(desired, actual) {
      const changes: Change[] = [];
      if (desired.trustPolicy && canonicalPolicy(actual.trustPolicy) !== canonicalPolicy(desired.trustPolicy)) {
        changes.push({ field: 'trustPolicy', from: actual.trustPolicy, to: desired.trustPolicy });
      }
      if (actual.maxSessionDuration !== MAX_SESSION_SECONDS) changes.push({ field: 'maxSessionDuration', from: actual.maxSessionDuration, to: MAX_SESSION_SECONDS });
      changes.push(...soleInlinePolicyChanges(actual, desired.policyName, desired.policy));
      return [...changes, ...tagChanges(desired.tags, actual.tags)];
    },

    async create(ctx, desired) {
      const { trustPolicy } = desired;
      if (!trustPolicy) throw new UserError(`the deploy role ${desired.name} does not exist; run \`npx resume-infra ci-setup --repo <owner/name>\` to create it`);
      return createRole(ctx, { ...desired, trustPolicy }, {
        Description: `resume-infra ${ctx.names.project}: GitHub Actions deploys (made by ci-setup)`, MaxSessionDuration: MAX_SESSION_SECONDS,
      });
    },

    async update(ctx, desired, actual, changes) {
      if (hasChange(changes, 'maxSessionDuration')) {
        await ctx.aws.globalClient(IAMClient).send(new UpdateRoleCommand({ RoleName: actual.name, MaxSessionDuration: MAX_SESSION_SECONDS }));
      }
      await updateRole(ctx, desired, actual, changes);
    },

    delete: (ctx, actual) => deleteRole(ctx.aws, actual.name),
  };

  return kind;
}

