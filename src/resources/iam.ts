// IAM helpers shared by the counter's role and the CI stack: reading a role with its policies
// parsed, comparing policy documents, and deleting a role with what it holds.
import {
  CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient,
  paginateListAttachedRolePolicies, paginateListRolePolicies, PutRolePolicyCommand, TagRoleCommand, UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { Aws } from '../aws/clients.ts';
import type { Change, Identity, ResourceContext } from '../engine/types.ts';
import { errorName } from '../errors.ts';
import { ignoreNotFound } from './not-found.ts';
import { changedTags, hasChange, tagList, tagRecord } from './tags.ts';

/** An IAM policy document, as written here and as parsed back from IAM. */
export interface PolicyDocument {
  Version: string;
  Statement: Array<Record<string, unknown>>;
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

async function inlinePolicyNames(iam: IAMClient, roleName: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListRolePolicies({ client: iam }, { RoleName: roleName })) names.push(...(page.PolicyNames ?? []));
  return names;
}

async function managedPolicyArnsOf(iam: IAMClient, roleName: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName })) {
    for (const policy of page.AttachedPolicies ?? []) if (policy.PolicyArn) arns.push(policy.PolicyArn);
  }
  return arns;
}

/**
 * The role, its trust policy and every policy on it; undefined when it does not exist. The role
 * and its policy lists are read at once (one round trip, not three), and so is `expectedPolicy`,
 * the inline policy the tool puts on it (one round trip more only for policies added by hand);
 * with `likelyMissing` (a role looked for in case it exists) the rest waits for the role, so a
 * missing one costs one request.
 */
export async function describeRole(aws: Aws, name: string, { likelyMissing = false, expectedPolicy }: { likelyMissing?: boolean; expectedPolicy?: string } = {}): Promise<DescribedRole | undefined> {
  const iam = aws.globalClient(IAMClient);
  const getRole = () => ignoreNotFound(NO_SUCH_ENTITY, () => iam.send(new GetRoleCommand({ RoleName: name })));
  const getPolicy = async (policyName: string) => (await ignoreNotFound(NO_SUCH_ENTITY, () => iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }))))?.PolicyDocument;
  const [found, listedNames, listedArns, expectedDocument] = likelyMissing ? [await getRole(), undefined, undefined, undefined] : await Promise.all([
    getRole(),
    ignoreNotFound(NO_SUCH_ENTITY, () => inlinePolicyNames(iam, name)),
    ignoreNotFound(NO_SUCH_ENTITY, () => managedPolicyArnsOf(iam, name)),
    expectedPolicy === undefined ? undefined : getPolicy(expectedPolicy),
  ]);
  const role = found?.Role;
  if (!role?.Arn) return undefined;
  // Not listed yet (likelyMissing), or IAM is eventually consistent: a role created a moment ago
  // may not be listable yet; ask (again).
  const [policyNames, managedPolicyArns] = await Promise.all([listedNames ?? inlinePolicyNames(iam, name), listedArns ?? managedPolicyArnsOf(iam, name)]);
  const inlinePolicies: Record<string, unknown> = {};
  await Promise.all(policyNames.map(async (policyName) => {
    // The expected policy read along with the list is used only when the list names it too.
    const document = policyName === expectedPolicy && expectedDocument !== undefined ? expectedDocument : await getPolicy(policyName);
    if (document !== undefined) inlinePolicies[policyName] = decodePolicyDocument(document);
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

/** IAM's "not found": the SDK names it NoSuchEntityException (the wire code is NoSuchEntity). */
export const NO_SUCH_ENTITY = ['NoSuchEntityException', 'NoSuchEntity'] as const;

export function isEntityAlreadyExists(error: unknown): boolean {
  const name = errorName(error);
  return name === 'EntityAlreadyExistsException' || name === 'EntityAlreadyExists';
}

/** Deletes every inline policy named in `policyNames` but `keep`, and detaches every managed policy. */
export async function removeOtherPolicies(aws: Aws, roleName: string, role: { policyNames: readonly string[]; managedPolicyArns: readonly string[] }, keep: string | undefined): Promise<void> {
  const iam = aws.globalClient(IAMClient);
  for (const policyName of role.policyNames.filter((name) => name !== keep)) {
    await ignoreNotFound(NO_SUCH_ENTITY, () => iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })));
  }
  for (const policyArn of role.managedPolicyArns) {
    await ignoreNotFound(NO_SUCH_ENTITY, () => iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })));
  }
}

/** Deletes a role and, first, its policies: IAM refuses (DeleteConflict) a role that still has any. Gone already is fine. */
export async function deleteRole(aws: Aws, roleName: string): Promise<void> {
  // What is attached now (not what an earlier read saw): the names are enough to remove them.
  const iam = aws.globalClient(IAMClient);
  const listed = await ignoreNotFound(NO_SUCH_ENTITY, () => Promise.all([inlinePolicyNames(iam, roleName), managedPolicyArnsOf(iam, roleName)]));
  if (!listed) return;
  const [policyNames, managedPolicyArns] = listed;
  await removeOtherPolicies(aws, roleName, { policyNames, managedPolicyArns }, undefined);
  await ignoreNotFound(NO_SUCH_ENTITY, () => iam.send(new DeleteRoleCommand({ RoleName: roleName })));
}

/** What a role of this tool is made of: a trust policy, one inline policy, tags. */
export interface RoleSpec {
  name: string;
  policyName: string;
  /** Undefined when the trust is unknown (a deploy role planned without its repository): left as it is. */
  trustPolicy: PolicyDocument | undefined;
  policy: PolicyDocument;
  tags: Record<string, string>;
}

/** CreateRole; one a crashed run made already is adopted (the engine converges it). */
export async function createRole(ctx: ResourceContext, spec: RoleSpec & { trustPolicy: PolicyDocument }, extra: { Description: string; MaxSessionDuration?: number }): Promise<Identity> {
  try {
    await ctx.aws.globalClient(IAMClient).send(new CreateRoleCommand({
      RoleName: spec.name, AssumeRolePolicyDocument: JSON.stringify(spec.trustPolicy), Tags: tagList(spec.tags), ...extra,
    }));
  } catch (error) {
    if (!isEntityAlreadyExists(error)) throw error;
  }
  return { id: spec.name };
}

/** Sets what `changes` name of a role's trust policy, inline policy and tags, and removes every other policy. */
export async function updateRole(ctx: ResourceContext, spec: RoleSpec, actual: Pick<DescribedRole, 'inlinePolicies' | 'managedPolicyArns'>, changes: Change[]): Promise<void> {
  const iam = ctx.aws.globalClient(IAMClient);
  if (hasChange(changes, 'trustPolicy') && spec.trustPolicy) {
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: spec.name, PolicyDocument: JSON.stringify(spec.trustPolicy) }));
  }
  if (hasChange(changes, 'inlinePolicy')) {
    await iam.send(new PutRolePolicyCommand({ RoleName: spec.name, PolicyName: spec.policyName, PolicyDocument: JSON.stringify(spec.policy) }));
  }
  await removeOtherPolicies(ctx.aws, spec.name, { policyNames: Object.keys(actual.inlinePolicies), managedPolicyArns: actual.managedPolicyArns }, spec.policyName);
  if (hasChange(changes, 'tags')) await iam.send(new TagRoleCommand({ RoleName: spec.name, Tags: tagList(changedTags(spec.tags, changes)) }));
}
