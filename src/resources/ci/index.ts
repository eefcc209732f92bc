// The CI stack: GitHub's OIDC provider and the deploy role. Kept apart from the main `stack` so
// `up` never deletes it as "not in the config"; `ci-setup` applies it, `plan` and `destroy` read it.
import type { Aws } from '../../aws/clients.ts';
import type { Names } from '../../config.ts';
import type { Observed, Resource } from '../../engine/types.ts';
import type { RecordedResource } from '../../state/document.ts';
import { deployRole, findDeployRole, type GitHubTarget } from './deploy-role.ts';
import { githubOidcProvider, providerKeepReason } from './oidc-provider.ts';

export type { GitHubTarget } from './deploy-role.ts';

/** The CI resources, in dependency order. Without a target the role can be read and deleted, not created. */
export function ciStack(target?: GitHubTarget): readonly Resource[] {
  return [githubOidcProvider, deployRole(target)];
}

/**
 * What `plan` covers of the CI stack (read-only): nothing when ci-setup never ran; otherwise the
 * repository and branch ci-setup recorded, else (state lost) the ones the role trusts now.
 */
export async function ciStackForPlan(
  aws: Aws, names: Names, recorded: (name: string) => RecordedResource | undefined, found?: ReturnType<typeof findDeployRole>,
): Promise<readonly Resource[]> {
  const outputs = recorded('deployRole')?.outputs;
  if (outputs?.repo && outputs.branch) return ciStack({ repo: outputs.repo, branch: outputs.branch });
  const role = await (found ?? findDeployRole(aws, names.deployRole));
  if (!role) return [];
  const { repo, branch } = role.outputs;
  return ciStack(repo && branch ? { repo, branch } : undefined);
}

/** Splits what destroy found of the CI stack into what it deletes and what it must keep, with the reason. */
export function splitKept<T extends { actual: Observed }>(found: readonly T[]): { remove: T[]; keep: Array<T & { reason: string }> } {
  const remove: T[] = [];
  const keep: Array<T & { reason: string }> = [];
  for (const entry of found) {
    const reason = providerKeepReason(entry.actual);
    if (reason) keep.push({ ...entry, reason });
    else remove.push(entry);
  }
  return { remove, keep };
}
