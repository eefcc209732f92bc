// `plan`: read everything and show what `up` would change. Read-only: no lock, no writes.
import { stack } from '../resources/index.ts';
import { ciStackForPlan } from '../resources/ci/index.ts';
import { findDeployRole } from '../resources/ci/deploy-role.ts';
import { engineFor } from '../project/engine-for.ts';
import { EXIT_OK, EXIT_PLAN_CHANGES, type GlobalOptions, type Io } from '../ui/io.ts';
import { preflight } from '../project/preflight.ts';
import { startEarly, type Project } from '../project/project.ts';
import { countActions, countAdopted, jsonDocument, listedChanges, renderPlan, renderPlanSummary, renderStateUpdates } from '../ui/render.ts';
import { planSite, renderSitePlan, sitePlanChanges, siteTarget } from '../site/publish.ts';
import { pendingStateUpdates, writesNothing } from '../project/state-updates.ts';
import { startSiteReads } from '../site/release-plan.ts';
import { keepReads } from '../project/kept-reads.ts';

/**
 * The plan's reads, all of which need only the project's names and the state: the site's, the CI
 * deploy role's, the lock's, and the stack's own. They go out as soon as the state is in, while
 * preflight still checks the config and the site directory (every one of them is read-only, so a
 * preflight problem only means their answers go unused).
 */
function startPlanReads(project: Project) {
  // The site plan's reads go along with the stack's (nothing is changed in between). A plan writes
  // nothing, so each thing is read once: the edge function's read of LIVE takes the site's answer,
  // and the alias and validation records come from the zone's one listing.
  keepReads(project.aws);
  const site = startSiteReads(project);
  // The CI deploy role is looked for by name alongside the state, in case the state does not name
  // it; most projects have none, so its policies are listed only once GetRole finds it.
  const role = findDeployRole(project.aws, project.names.deployRole, { likelyMissing: true });
  role.catch(() => undefined); // raised by ciStackForPlan when it needs the answer
  const lock = project.store.readLock();
  lock.catch(() => undefined); // awaited for the output
  const stacks = planStacks(project, role);
  stacks.catch(() => undefined); // awaited by plan
  return { site, lock, stacks };
}

/** The state, and the changes of the stack and of the CI resources (once ci-setup made them) from reading each. */
async function planStacks(project: Project, role: ReturnType<typeof findDeployRole>) {
  const { bucketExists, loaded } = await project.store.readWithBucket(project.config.project);
  const recorded = (name: string) => loaded?.document.resources[name];
  const retired = (name: string) => (loaded?.document.retired ?? []).filter((entry) => entry.resource === name);
  // The CI resources are not part of the config's stack. They share nothing with the stack, so
  // the stack's reads do not wait for the deploy role's look-up: each set has its engine, and the
  // CI changes come after the stack's, as in one engine over both.
  const ciChanges = ciStackForPlan(project.aws, project.names, recorded, role)
    .then((ci) => (ci.length === 0 ? [] : engineFor(project, recorded, undefined, ci, { retired }).plan()));
  ciChanges.catch(() => undefined); // awaited below, unless the stack's plan fails first
  const engine = engineFor(project, recorded, undefined, stack, { retired });
  const stackChanges = await engine.plan();
  return { bucketExists, loaded, engine, stackChanges, changes: [...stackChanges, ...(await ciChanges)] };
}

export async function plan(options: GlobalOptions, io: Io): Promise<number> {
  // These reads start on the first project made, which may carry the account cached from an
  // earlier run while STS answers (startEarly); they count only if preflight returns that one.
  const reads = startEarly(options, startPlanReads);
  const project = await preflight(options, io, { site: true });
  const { site: early, lock: lockRead, stacks } = await reads(project);
  const { bucketExists, loaded, engine, stackChanges, changes } = await stacks;
  // Undefined while the bucket or distribution is still to be created: then every file is new anyway.
  const target = siteTarget((name) => engine.outputsOf(name));
  const site = target ? await planSite(project, target, loaded?.document.site?.rolledBackFrom, early) : undefined;
  const siteChanges = site !== undefined && sitePlanChanges(site);
  // What `up` writes to the state although AWS stays as it is counts as a change, with resources
  // to record: `up` decides whether it may skip the lock on the same predicate.
  const updates = pendingStateUpdates(project, engine, loaded?.document, stackChanges, site);
  const listed = listedChanges(changes);
  const hasChanges = !writesNothing(changes, updates, site);
  const lock = await lockRead;
  if (options.json) {
    io.out(jsonDocument({
      command: 'plan',
      changes: listed,
      stateUpdates: updates,
      summary: { ...countActions(changes), adopt: countAdopted(changes) },
      ...(site ? { site } : {}),
      stateBucketExists: bucketExists,
      ...(lock ? { lockedBy: lock } : {}),
    }));
  } else {
    const lines = [`Plan for ${project.config.project} (account ${project.account}, ${project.region}):`];
    if (!bucketExists) lines.push(`  state bucket ${project.store.bucket} does not exist yet; up will create it`);
    if (lock) lines.push(`  note: the state is locked by ${lock.who} running \`${lock.command}\` since ${lock.createdAt} (lock id ${lock.id})`);
    const body = renderPlan(changes);
    if (body) lines.push(body);
    lines.push(...renderStateUpdates(updates));
    if (site) lines.push(...renderSitePlan(site, project.hint));
    lines.push(renderPlanSummary(changes, siteChanges, updates.length));
    io.out(`${lines.join('\n')}\n`);
  }
  return hasChanges ? EXIT_PLAN_CHANGES : EXIT_OK;
}
