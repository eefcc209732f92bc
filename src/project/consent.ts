// `up` and `ci-setup` ask before they change any AWS resource, as `terraform apply` does. Site
// file uploads are not in the plan asked about: they are the everyday path and need no consent.
import { UserError } from '../errors.ts';
import type { Engine, PlannedChange } from '../engine/engine.ts';
import type { ProgressReporter } from '../engine/progress.ts';
import type { Resource } from '../engine/types.ts';
import type { StateSession } from '../state/session.ts';
import { engineFor } from './engine-for.ts';
import type { GlobalOptions, Io } from '../ui/io.ts';
import { ensureStateBucket, withLockedState, type Project } from './project.ts';
import type { LoadedState } from '../state/store.ts';
import { renderPlan, renderSummary } from '../ui/render.ts';

/** Actions that lose something: without a terminal they need --yes. */
const DESTRUCTIVE: ReadonlySet<string> = new Set(['delete', 'replace']);

export const CONSENT_QUESTION = 'Apply these changes? [y/N]';

export interface ConsentRequest {
  /** The command asking, e.g. `up`. */
  command: string;
  /** The engine's plan, plus anything done outside it (the state bucket `up` creates first). */
  changes: readonly PlannedChange[];
  options: Pick<GlobalOptions, 'yes' | 'json'>;
  io: Io;
  /** The same run with --yes, as the user would type it. */
  rerunWithYes: string;
  /**
   * Runs first, also with --yes: throws (a UserError) to refuse a plan that no answer may
   * approve, e.g. a replace that loses data unless a flag says so.
   */
  refuse?: (changes: readonly PlannedChange[]) => void | Promise<void>;
}

/** How the run was allowed to go on. */
export type Consent = 'nothing to change' | 'approved' | '--yes' | 'no terminal, nothing destructive';

/** A plan entry for a resource made outside the engine, such as the state bucket. */
export function extraCreate(resource: string, title: string, label: string): PlannedChange {
  return { resource, title, label, action: 'create', changes: [], adopted: false };
}

/** Returns when the changes may be applied; throws a UserError (nothing changed) when not. */
export async function obtainConsent(request: ConsentRequest): Promise<Consent> {
  const { changes, options, io } = request;
  await request.refuse?.(changes);
  const changing = changes.filter((change) => change.action !== 'noop');
  if (changing.length === 0) return 'nothing to change';
  const destructive = changing.filter((change) => DESTRUCTIVE.has(change.action));
  // Only the AWS changes: recording what exists in the state needs no consent.
  io.err(`${request.command} will change these AWS resources:\n${renderPlan(changing)}\n${renderSummary(changing, true)}\n`);
  if (options.yes) return '--yes';
  if (io.confirm) {
    if (await io.confirm(CONSENT_QUESTION, ['y', 'yes'])) return 'approved';
    throw new UserError(`${request.command} cancelled: nothing was changed`);
  }
  if (destructive.length === 0) return 'no terminal, nothing destructive';
  const what = destructive.map((change) => `${change.action} ${change.title} ${change.label}`).join(', ');
  throw new UserError(`the plan would ${what} and there is no terminal to ask on; nothing was changed. Review the plan above, then run \`${request.rerunWithYes}\``);
}

export interface ConsentedRun<T = unknown> {
  /** The command, for the question, the lock and the messages. */
  command: string;
  /** Its arguments after the command name, to print the rerun with --yes. */
  args?: readonly string[];
  options: GlobalOptions;
  io: Io;
  reporter: ProgressReporter;
  /** The stack to apply (default: the config's). */
  resources?: readonly Resource[];
  refuse?: ConsentRequest['refuse'];
  /** Lets apply replace or delete a data-bearing resource (up --allow-data-loss). */
  allowDataLoss?: boolean;
  /**
   * When the plan changes nothing: the run's result if it would write nothing either (to AWS or
   * the state), found by reads only; undefined to go on as usual. A run that writes nothing needs
   * no lock, as `plan` needs none, so this runs unlocked and skips the state bucket's setup.
   */
  unlocked?: (engine: Engine, planned: LoadedState, changes: readonly PlannedChange[]) => Promise<T | undefined>;
}

/**
 * Plans, asks, then creates the state bucket if needed and runs `apply` under the state lock
 * with the engine that made the plan, so what is applied is what was shown. The plan is made
 * unlocked, so nobody waits on the lock while the user reads it; if another run changed the
 * state in the meantime, nothing is changed and the user is told to run again.
 */
export async function withConsent<T>(project: Project, run: ConsentedRun<T>, apply: (engine: Engine, state: StateSession) => Promise<T>): Promise<T> {
  const { bucketExists, loaded: planned } = await project.store.readWithBucket(project.config.project);
  // What ensureStateBucket checks on an existing bucket, read while the plan runs. A bucket that
  // holds the state needs no check: one with objects in it is left as it is, versioned or not.
  const versioned = bucketExists && !planned ? project.store.prefetchVersioning() : undefined;
  // A run that needs no lock still stops at one another run holds, as every run that may write does.
  const lock = bucketExists && run.unlocked ? project.store.readLock() : undefined;
  lock?.catch(() => undefined); // awaited when the plan changes nothing
  const retired = (name: string) => (planned?.document.retired ?? []).filter((entry) => entry.resource === name);
  const engine = engineFor(project, (name) => planned?.document.resources[name], run.reporter, run.resources, { retired, allowDataLoss: run.allowDataLoss === true });
  const changes = await engine.plan();
  const consent = await obtainConsent({
    command: run.command,
    changes: bucketExists ? changes : [extraCreate('stateBucket', 'S3 state bucket', project.store.bucket), ...changes],
    options: run.options,
    io: run.io,
    rerunWithYes: project.hint(run.command, ...(run.args ?? []), '--yes'),
    ...(run.refuse ? { refuse: run.refuse } : {}),
  });
  if (consent === 'nothing to change' && planned && run.unlocked) {
    const holder = await lock;
    if (holder) throw project.store.lockedBy(holder);
    const result = await run.unlocked(engine, planned, changes);
    if (result !== undefined) return result;
  }
  await ensureStateBucket(project, run.reporter, planned ? { exists: true, holdsState: true } : versioned ? { exists: true, versioned } : { exists: false });
  return withLockedState(project, run.command, run.io, async (state) => {
    const plannedSerial = planned?.document.serial ?? 0;
    if (state.document.serial !== plannedSerial) {
      throw new UserError(`the state ${project.store.location} changed while ${run.command} was planning (serial ${plannedSerial} -> ${state.document.serial}: another run applied); nothing was changed, run \`${project.hint(run.command, ...(run.args ?? []))}\` again`);
    }
    return apply(engine, state);
  });
}
