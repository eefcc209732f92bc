// The account's IAM OIDC identity provider for GitHub Actions. It is account-wide and may be
// shared: made (and tagged) only when the account lacks it, adopted read-only when it exists, and
// deleted by destroy only when this project made it and no other role trusts it.
import {
  AddClientIDToOpenIDConnectProviderCommand, CreateOpenIDConnectProviderCommand, DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand, IAMClient, paginateListRoles, TagOpenIDConnectProviderCommand,
} from '@aws-sdk/client-iam';
import { TAG_KEY } from '../../config.ts';
import type { Change, Observed, ResourceContext, ResourceKind } from '../../engine/types.ts';
import { decodePolicyDocument, isEntityAlreadyExists, NO_SUCH_ENTITY } from '../iam.ts';
import { ignoreNotFound } from '../not-found.ts';
import { changedTags, hasChange, tagChanges, tagList, tagRecord } from '../tags.ts';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/**
 * GitHub's published certificate thumbprints. IAM no longer uses them for GitHub (it trusts the
 * JWKS endpoint through its own root CAs), but older accounts and tools still expect a list.
 */
const GITHUB_THUMBPRINTS = ['6938fd4d98bab03faadb97b34396831e3780aea1', '1c58a3a8518e8759bf075b76b750d4f2df264fcd'];

export function githubProviderArn(account: string): string {
  return `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

interface ProviderDesired {
  arn: string;
  tags: Record<string, string>;
}

interface ProviderActual extends Observed {
  clientIds: string[];
  tags: Record<string, string>;
  /** Tagged as made by this project. */
  owned: boolean;
  /** Only read by destroy: why it must stay (made elsewhere, or other roles trust it). */
  keepReason?: string;
}

/** Roles other than `except` whose trust policy names the provider: they would break without it. */
async function rolesTrusting(ctx: ResourceContext, providerArn: string, except: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListRoles({ client: ctx.aws.globalClient(IAMClient) }, {})) {
    for (const role of page.Roles ?? []) {
      if (!role.RoleName || role.RoleName === except || !role.AssumeRolePolicyDocument) continue;
      if (JSON.stringify(decodePolicyDocument(role.AssumeRolePolicyDocument)).includes(JSON.stringify(providerArn))) names.push(role.RoleName);
    }
  }
  return names.sort();
}

async function findProvider(ctx: ResourceContext): Promise<ProviderActual | undefined> {
  const arn = githubProviderArn(ctx.names.account);
  const provider = await ignoreNotFound(NO_SUCH_ENTITY, () => ctx.aws.globalClient(IAMClient).send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
  if (!provider) return undefined;
  const tags = tagRecord(provider.Tags);
  const owned = tags[TAG_KEY] === ctx.names.project;
  const actual: ProviderActual = { id: arn, arn, outputs: { providerArn: arn, owner: tags[TAG_KEY] ?? '' }, clientIds: provider.ClientIDList ?? [], tags, owned };
  if (ctx.mode !== 'destroy') return actual;
  if (!owned) {
    actual.keepReason = tags[TAG_KEY] ? `made by the resume-infra project "${tags[TAG_KEY]}"` : 'it existed before resume-infra (no resume-infra:project tag)';
    return actual;
  }
  const others = await rolesTrusting(ctx, arn, ctx.names.deployRole);
  if (others.length > 0) actual.keepReason = `still trusted by the role${others.length > 1 ? 's' : ''} ${others.join(', ')}`;
  return actual;
}

/** Why destroy must keep what it found (a provider it did not make, or one other roles use); undefined to delete it. */
export function providerKeepReason(actual: Observed): string | undefined {
  return 'keepReason' in actual && typeof actual.keepReason === 'string' ? actual.keepReason : undefined;
}

export const githubOidcProvider: ResourceKind<ProviderDesired, ProviderActual> = {
  name: 'githubOidcProvider',
  title: 'GitHub OIDC provider',
  readAfterWrite: 'iamReadAfterCreate',
  dependsOn: [],

  label: (_ctx, actual) => (actual && !actual.owned ? `${GITHUB_OIDC_HOST} (shared, not made by this project)` : GITHUB_OIDC_HOST),

  desired: (ctx) => ({ arn: githubProviderArn(ctx.names.account), tags: ctx.tags }),

  read: (ctx) => findProvider(ctx),

  diff(desired, actual) {
    const changes: Change[] = [];
    // Additive only: other audiences on a shared provider stay.
    if (!actual.clientIds.includes(GITHUB_OIDC_AUDIENCE)) changes.push({ field: 'clientIds', from: actual.clientIds, to: [...actual.clientIds, GITHUB_OIDC_AUDIENCE] });
    // A provider made elsewhere is not tagged as ours: destroy tells ownership by that tag.
    return actual.owned ? [...changes, ...tagChanges(desired.tags, actual.tags)] : changes;
  },

  async create(ctx, desired) {
    try {
      await ctx.aws.globalClient(IAMClient).send(new CreateOpenIDConnectProviderCommand({
        Url: `https://${GITHUB_OIDC_HOST}`,
        ClientIDList: [GITHUB_OIDC_AUDIENCE],
        ThumbprintList: GITHUB_THUMBPRINTS,
        Tags: tagList(desired.tags),
      }));
    } catch (error) {
      // Made a moment ago by a crashed run or by someone else: adopt it.
      if (!isEntityAlreadyExists(error)) throw error;
    }
    return { id: desired.arn, arn: desired.arn };
  },

  async update(ctx, desired, actual, changes) {
    const iam = ctx.aws.globalClient(IAMClient);
    if (hasChange(changes, 'clientIds')) {
      await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: actual.id, ClientID: GITHUB_OIDC_AUDIENCE }));
    }
    if (hasChange(changes, 'tags')) {
      await iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: actual.id, Tags: tagList(changedTags(desired.tags, changes)) }));
    }
  },

  async delete(ctx, actual) {
    // Never delete a provider this project did not make: other projects and roles may depend on it.
    if (!actual.owned || providerKeepReason(actual)) return;
    await ignoreNotFound(NO_SUCH_ENTITY, () => ctx.aws.globalClient(IAMClient).send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: actual.id })));
  },
};
