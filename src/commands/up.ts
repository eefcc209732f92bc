// `up`: check every precondition, plan, ask (as `terraform apply` does), reconcile every
// resource, sync the site, then print the outputs.
import { withConsent, type ConsentRequest } from '../project/consent.ts';
import { reporterFor } from '../project/engine-for.ts';
import { replacedFields, type PlannedChange, type StateUpdate } from '../engine/engine.ts';
import { UserError } from '../errors.ts';
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { stackOutputs } from '../project/outputs.ts';
import { preflight } from '../project/preflight.ts';
import { jsonDocument, countActions, countAdopted, listedChanges, renderOutputs, renderSummary } from '../ui/render.ts';
import { planSite, publishSite, renderSitePublish, siteTarget, type SitePlan, type SitePublishResult } from '../site/publish.ts';
import { pendingStateUpdates, writesNothing } from '../project/state-updates.ts';
import type { Engine } from '../engine/engine.ts';
import { startSiteReads } from '../site/release-plan.ts';
import { keepReads, releaseReads } from '../project/kept-reads.ts';
import type { LoadedState } from '../state/store.ts';

export interface UpHooks {
  /** Refuses a plan before anyone is asked, e.g. a replace that would lose data. */
  refuse?: ConsentRequest['refuse'];
}

/** A replace or orphan delete that loses data needs --allow-data-loss, whatever the answer to the question (the engine checks again). */
function refuseDataLoss(changes: readonly PlannedChange[]): void {
  const [first, ...others] = changes.filter((change) => change.needsAllowDataLoss);
  if (!first) return;
  const what = `${first.title} ${first.label}${others.length > 0 ? ` (and ${others.length} more)` : ''}`;
  throw new UserError(first.action === 'replace'
    ? `${what} would be replaced (${replacedFields(first.changes)}), which deletes the data it holds; run up --allow-data-loss to allow it, or change the config back; nothing was changed`
    : `${what} tagged for this project but not in its state would be deleted with the data it holds; run up --allow-data-loss to delete it, or remove its resume-infra:project tag to keep it; nothing was changed`);
}

interface UpResult {
  changes: readonly PlannedChange[];
  outputs: Record<string, string>;
  site: SitePublishResult | undefined;
}

/** What publishSite reports for a site step that found nothing to do. */
function unchangedSite(plan: SitePlan): SitePublishResult {
  return {
    release: plan.live, previous: plan.live, action: plan.action, uploaded: [], copied: 0, bytesUploaded: 0, migrated: false, rootFilesDeleted: 0, pruned: [],
    ...(plan.action === 'kept-rollback' ? { rolledBackFrom: plan.release } : {}),
  };
}

export async function up(options: GlobalOptions, io: Io, hooks: UpHooks = {}): Promise<number> {
  const started = performance.now();
  const project = await preflight(options, io, { site: true, resources: true });
  // Until the lock is taken the run only reads, as a plan does: the edge function's read of LIVE
  // and the site step's are one request, and the zone is listed once. Once it holds the lock, each
  // read is made again.
  keepReads(project.aws);
  // The site step's reads go along with the plan's; a no-change run decides on them, and a run
  // that changes something reuses the scan (and reads the bucket and function again after apply).
  const early = startSiteReads(project);
  const reporter = reporterFor(io);
  const refuse: ConsentRequest['refuse'] = async (changes) => {
    await hooks.refuse?.(changes);
    refuseDataLoss(changes);
  };
  // What a run that changes nothing in AWS still writes to the state (`plan` lists the same).
  let stateUpdates: StateUpdate[] = [];
  // A no-change `up` whose every read agrees with the state and the live release: done without
  // the lock, since it writes nothing (the plan/apply pair is the same engine, so this is exact).
  const unlocked = async (engine: Engine, planned: LoadedState, changes: readonly PlannedChange[]): Promise<UpResult | undefined> => {
    const document = planned.document;
    const outputs = stackOutputs(project, (name) => engine.outputsOf(name));
    const target = siteTarget((name) => engine.outputsOf(name));
    const site = target ? await planSite(project, target, document.site?.rolledBackFrom, early) : undefined;
    stateUpdates = pendingStateUpdates(project, engine, document, changes, site);
    if (!writesNothing(changes, stateUpdates, site)) return undefined;
    return { changes, outputs, site: site ? unchangedSite(site) : undefined };
  };
  const result = await withConsent<UpResult>(project, { command: 'up', options, io, reporter, refuse, allowDataLoss: options.allowDataLoss === true, unlocked }, async (engine, state) => {
    releaseReads(project.aws);
    try {
      const applied = await engine.apply(state);
      const outputs = stackOutputs(project, (name) => engine.outputsOf(name));
      await state.setOutputs(outputs);
      reporter.stop();
      const target = siteTarget((name) => engine.outputsOf(name));
      const site: SitePublishResult | undefined = target ? await publishSite(project, target, state, early.scanned) : undefined;
      return { changes: applied, outputs, site };
    } finally {
      reporter.stop();
    }
  }).finally(() => releaseReads(project.aws)); // what runs next in this process (up --verify's rollback) reads afresh
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (options.json) {
    io.out(jsonDocument({
      command: 'up', ok: true, summary: { ...countActions(result.changes), adopt: countAdopted(result.changes) },
      changes: listedChanges(result.changes), stateUpdates, site: result.site, outputs: result.outputs, seconds: Number(seconds),
    }));
  } else {
    const summary = listedChanges(result.changes).length === 0 && stateUpdates.length === 0
      ? `No changes: ${result.changes.length} resources up to date.`
      : renderSummary(result.changes, false, stateUpdates.length);
    const site = result.site ? `${renderSitePublish(result.site, project.hint)}\n` : '';
    io.out(`${summary} (${seconds}s)\n${site}${renderOutputs(result.outputs)}\n`);
  }
  return EXIT_OK;
}
