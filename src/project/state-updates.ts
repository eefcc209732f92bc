// What `up` writes to the state when it changes nothing in AWS: refreshed records, retired
// instances gone already, records of removed resources gone already, the stack outputs, the live
// site release. `plan` lists these and exits 2 for them, and `up` takes the lock for them: one
// predicate, so the two agree by construction.
import type { Engine, PlannedChange, StateUpdate } from '../engine/engine.ts';
import type { StateDocument } from '../state/document.ts';
import { sitePlanChanges, type SitePlan } from '../site/publish.ts';
import { stackOutputs } from './outputs.ts';
import type { Project } from './project.ts';

/**
 * After the plans of the stack (`changes`, from `engine`) and of the site, against the state they
 * planned on. Listed only when nothing in AWS changes: a run that changes AWS writes the state
 * anyway, with outputs known only after apply. With no state at all, every resource found is
 * adopted, and the first write records outputs and site with them: nothing more to say.
 */
export function pendingStateUpdates(project: Project, engine: Engine, document: StateDocument | undefined, changes: readonly PlannedChange[], site: SitePlan | undefined): StateUpdate[] {
  if (!document || changes.some((change) => change.action !== 'noop')) return [];
  const updates = engine.recordUpdates(changes);
  const outputs = stackOutputs(project, (name) => engine.outputsOf(name));
  if (JSON.stringify(outputs) !== JSON.stringify(document.outputs)) {
    const names = [...new Set([...Object.keys(outputs), ...Object.keys(document.outputs)])].filter((name) => outputs[name] !== document.outputs[name]);
    updates.push({ kind: 'outputs', description: `update the stack outputs (${names.length > 0 ? names.join(', ') : 'their order'})` });
  }
  // A site step that keeps the live release still records it when the state names another (a
  // crash between the switch and the state write). A step that switches records the new one, as
  // the plan's site line says.
  const keeps = site && (site.action === 'unchanged' || site.action === 'kept-rollback');
  if (keeps && document.site?.live !== site.live) {
    updates.push({ kind: 'site', description: `record the live site release ${site.live} (the state names ${document.site?.live ?? 'none'})` });
  }
  return updates;
}

/** Whether `up` writes nothing at all: no AWS change, no adoption, no state update, no site change. */
export function writesNothing(changes: readonly PlannedChange[], updates: readonly StateUpdate[], site: SitePlan | undefined): boolean {
  return changes.every((change) => change.action === 'noop' && !change.adopted) && updates.length === 0 && !(site && sitePlanChanges(site));
}
