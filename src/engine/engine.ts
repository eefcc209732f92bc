// Walks the resource graph: plan (read-only), apply (create/update/replace, state after each), destroy (reverse).
// The engine owns every resource's lifecycle: a module's create returns an identity, and the
// engine reads it back, diffs and updates until nothing differs; a replaced instance is retired
// in the state and deleted once its dependents moved to the new one.
import { describeError, UserError } from '../errors.ts';
import { recordDifferences, recordSays, type StateSession } from '../state/session.ts';
import type { RecordedResource, RetiredResource } from '../state/document.ts';
import { readAfterCreate } from '../aws/not-yet.ts';
import { walkGraph } from './graph.ts';
import { KNOWN_AFTER_APPLY, type Change, type Identity, type Mode, type Observed, type Resource, type ResourceContext } from './types.ts';

export type Action = 'create' | 'update' | 'replace' | 'delete' | 'noop';

/** Why something is deleted that the config does not name. */
export type DeleteReason = 'removed from config' | 'retired' | 'orphan';

export interface PlannedChange {
  resource: string;
  title: string;
  label: string;
  action: Action;
  changes: Change[];
  /** Found by name or tag, not by the recorded id: the state will record it. */
  adopted: boolean;
  reason?: DeleteReason;
  /** A replacement `up` refuses without --allow-data-loss. */
  needsAllowDataLoss?: boolean;
}

/**
 * A state write `up` makes for something it leaves as it is in AWS, other than recording an
 * adopted resource (a PlannedChange with `adopted`). `plan` lists these and exits 2 for them.
 */
export interface StateUpdate {
  kind: 'record' | 'retired' | 'forget' | 'outputs' | 'site';
  /** The resource it is about (`record`, `retired`, `forget`). */
  resource?: string;
  /** What changes in the state, e.g. `refresh the record of Lambda function x (outputs.url)`. */
  description: string;
}

export type ProgressPhase = 'start' | 'done' | 'failed' | 'note';

export interface ProgressEvent {
  resource: string;
  title: string;
  label: string;
  action: Action;
  phase: ProgressPhase;
  elapsedMs: number;
  message?: string;
}

export interface EngineOptions {
  resources: readonly Resource[];
  context: Omit<ResourceContext, 'output' | 'note' | 'mode'>;
  /** What was recorded by earlier runs (read-only in plan). */
  recorded: (name: string) => RecordedResource | undefined;
  /** Instances retired by earlier runs and not yet deleted. */
  retired?: (name: string) => RetiredResource[];
  /** Lets `up` replace a resource that holds data (the table, the secret). */
  allowDataLoss?: boolean;
  onProgress?: (event: ProgressEvent) => void;
}

/** Something to delete: a resource's recorded instance, a retired one, or an orphan. */
export interface Found {
  resource: Resource;
  actual: Observed;
  label: string;
  reason?: DeleteReason;
}

/** How many updates the engine makes after a create or update before it gives up converging. */
export const CONVERGE_LIMIT = 3;

/** Throws one error naming every resource that failed. */
function raiseFailures(failed: Map<string, unknown>, skipped: string[], resources: readonly Resource[]): void {
  if (failed.size === 0) return;
  const first = [...failed.values()][0];
  if (failed.size === 1 && first instanceof UserError) throw first;
  // Several resources stopped by one cause (e.g. an account CloudFront has not verified): say it once.
  const messages = new Set([...failed.values()].map((error) => (error instanceof UserError ? error.message : undefined)));
  if (first instanceof UserError && messages.size === 1) throw first;
  const titles = (name: string) => resources.find((resource) => resource.name === name)?.title ?? name;
  const parts = [...failed.entries()].map(([name, error]) => `${titles(name)}: ${describeError(error)}`);
  const skippedNote = skipped.length > 0 ? ` (not attempted: ${skipped.map(titles).join(', ')})` : '';
  const error = new UserError(`${parts.join('; ')}${skippedNote}`, { cause: first });
  if (!(first instanceof UserError) && first instanceof Error) error.stack = first.stack;
  throw error;
}

function asRecorded(identity: Identity): RecordedResource {
  return { id: identity.id, ...(identity.arn ? { arn: identity.arn } : {}), outputs: identity.outputs ?? {}, updatedAt: '' };
}

export function replacedFields(changes: readonly Change[]): string {
  return changes.filter((change) => change.replace).map((change) => `${change.field}: ${JSON.stringify(change.from)} -> ${JSON.stringify(change.to)}`).join(', ');
}

function byStackOrder<T>(resources: readonly Resource[], entries: T[], nameOf: (entry: T) => string): T[] {
  const order = resources.map((resource) => resource.name);
  return entries.sort((a, b) => order.indexOf(nameOf(a)) - order.indexOf(nameOf(b)));
}

/** A promise and the function that fulfils it. */
function settable<T>(): { promise: Promise<T>; set: (value: T) => void } {
  let set: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => {
    set = resolve;
  });
  return { promise, set };
}

/** Retired entries whose instance `stillThere` lacks: deleted by hand, or by a run that crashed before dropping it. */
function vanished(resources: readonly Resource[], retired: (name: string) => RetiredResource[], stillThere: readonly Found[]): Array<{ resource: Resource; entry: RetiredResource }> {
  const present = new Set(stillThere.map((found) => `${found.resource.name}/${found.actual.id}`));
  return resources.flatMap((resource) => retired(resource.name).filter((entry) => !present.has(`${resource.name}/${entry.id}`)).map((entry) => ({ resource, entry })));
}

export class Engine {
  private readonly observed = new Map<string, Observed | undefined>();
  /** The reads of the last plan, which the next apply on this engine acts on (see apply). */
  private planReads: { enabled: Map<string, Promise<Observed | undefined>>; removed: Map<string, Promise<Observed | undefined>>; orphans?: Found[] } | undefined;
  private readonly labelCache = new Map<string, string>();
  /** Retired instances the last plan found gone from AWS: apply drops them from the state. */
  private vanishedRetired: Array<{ resource: Resource; entry: RetiredResource }> = [];
  /** Resources the config no longer asks for that the last plan found recorded but gone from AWS: apply forgets them. */
  private vanishedRemoved: Array<{ resource: Resource; recorded: RecordedResource }> = [];

  constructor(private readonly options: EngineOptions) {}

  private isEnabled(resource: Resource): boolean {
    return resource.enabled?.(this.options.context.config) ?? true;
  }

  private enabledResources(): Resource[] {
    return this.options.resources.filter((resource) => this.isEnabled(resource));
  }

  private disabledResources(): Resource[] {
    return this.options.resources.filter((resource) => !this.isEnabled(resource));
  }

  private contextFor(resource: Resource, mode: Mode, action: () => Action = () => 'noop', started: () => number = () => 0): ResourceContext {
    const output = (name: string, key: string): string => {
      const observed = this.observed.get(name);
      if (observed === undefined) {
        // A plan, or a destroy that did not find the dependency: the value is not known.
        if (mode === 'plan' || mode === 'destroy') return KNOWN_AFTER_APPLY;
        throw new Error(`${resource.name} asked for ${name}.${key} before ${name} exists; add "${name}" to its dependsOn`);
      }
      const value = observed.outputs[key];
      if (value === undefined) throw new Error(`${name} has no output "${key}" (asked by ${resource.name})`);
      return value;
    };
    return {
      ...this.options.context,
      mode,
      output,
      note: (message) => this.emit(resource, action(), 'note', started(), message, this.labelCache.get(resource.name)),
    };
  }

  private emit(resource: Resource, action: Action, phase: ProgressPhase, started: number, message?: string, label?: string): void {
    this.options.onProgress?.({
      resource: resource.name,
      title: resource.title,
      label: label ?? resource.name,
      action,
      phase,
      elapsedMs: Math.round(performance.now() - started),
      ...(message ? { message } : {}),
    });
  }

  /** Runs every enabled resource's read-only preconditions; all problems are reported together. */
  async check(mode: Mode): Promise<void> {
    const failures = new Map<string, unknown>();
    await Promise.all(this.enabledResources().map(async (resource) => {
      if (!resource.check) return;
      try {
        await resource.check(this.contextFor(resource, mode));
      } catch (error) {
        failures.set(resource.name, error);
      }
    }));
    raiseFailures(failures, [], this.options.resources);
  }

  /**
   * Starts every resource's `read` at once: reads need only names and recorded ids, never a
   * dependency's outputs, so only `desired` and the changes wait for the graph.
   */
  private startReads(resources: readonly Resource[], mode: Mode, recorded: (name: string) => RecordedResource | undefined): Map<string, Promise<Observed | undefined>> {
    const reads = new Map<string, Promise<Observed | undefined>>();
    for (const resource of resources) {
      const read = resource.read(this.contextFor(resource, mode), recorded(resource.name));
      read.catch(() => undefined); // awaited (and its error raised) by the resource's own step
      reads.set(resource.name, read);
    }
    return reads;
  }

  /** The retired instances that still exist; one whose read finds another instance (by name or tag) is gone. */
  private async findRetired(retired: (name: string) => RetiredResource[]): Promise<Found[]> {
    const found: Found[] = [];
    await Promise.all(this.options.resources.map(async (resource) => {
      for (const entry of retired(resource.name)) {
        const ctx = this.contextFor(resource, 'destroy');
        const actual = await resource.read(ctx, entry);
        if (actual && actual.id === entry.id) found.push({ resource, actual, label: resource.label(ctx, actual), reason: 'retired' });
      }
    }));
    return byStackOrder(this.options.resources, found, (entry) => entry.resource.name);
  }

  /**
   * What each kind reports as made by the project but accounted for by nothing: `keep` holds, per
   * resource, the ids of its current and retired instances.
   */
  private async findOrphans(mode: Mode, keep: Promise<(name: string) => ReadonlySet<string>>, recorded: (name: string) => RecordedResource | undefined): Promise<Found[]> {
    const found: Found[] = [];
    await Promise.all(this.options.resources.map(async (resource) => {
      if (!resource.orphans) return;
      const ctx = this.contextFor(resource, mode);
      for (const actual of await resource.orphans(ctx, keep.then((kept) => kept(resource.name)), recorded(resource.name))) {
        found.push({ resource, actual, label: resource.label(ctx, actual), reason: 'orphan' });
      }
    }));
    return byStackOrder(this.options.resources, found, (entry) => entry.resource.name);
  }

  private refuseDataLoss(resource: Resource, label: string, changes: readonly Change[]): void {
    if (!resource.holdsData || this.options.allowDataLoss) return;
    throw new UserError(`${resource.title} ${label} would be replaced (${replacedFields(changes)}), which deletes the data it holds; run up --allow-data-loss to allow it, or change the config back`);
  }

  /** Reads everything and reports what `apply` would do. Calls only read-only operations. */
  async plan(): Promise<PlannedChange[]> {
    const reads = this.startReads(this.enabledResources(), 'plan', this.options.recorded);
    // Removed resources are looked for the way apply and destroy look for them.
    const removedReads = this.startReads(this.disabledResources(), 'destroy', this.options.recorded);
    this.planReads = { enabled: reads, removed: removedReads };
    // The orphan search lists along with the reads and waits for `keep` only to filter.
    const keepKnown = settable<(name: string) => ReadonlySet<string>>();
    const orphanSearch = this.findOrphans('plan', keepKnown.promise, this.options.recorded);
    orphanSearch.catch(() => undefined); // awaited below, unless the plan fails first
    await this.check('plan');
    const planned: PlannedChange[] = [];
    const enabled = this.enabledResources();
    const result = await walkGraph(enabled, async (resource) => {
      const ctx = this.contextFor(resource, 'plan');
      const recorded = this.options.recorded(resource.name);
      const actual = await reads.get(resource.name);
      const label = resource.label(ctx, actual);
      const adopted = actual !== undefined && recorded?.id !== actual.id;
      if (!actual) {
        planned.push({ resource: resource.name, title: resource.title, label, action: 'create', changes: [], adopted: false });
        return;
      }
      const desired = await resource.desired(ctx);
      const changes = resource.diff(desired, actual);
      const replace = changes.some((change) => change.replace);
      // A replacement's outputs are new: dependents see "(known after apply)", never the old values.
      this.observed.set(resource.name, replace ? undefined : actual);
      const action: Action = replace ? 'replace' : changes.length > 0 ? 'update' : 'noop';
      planned.push({
        resource: resource.name, title: resource.title, label, action, changes, adopted,
        ...(replace && resource.holdsData && !this.options.allowDataLoss ? { needsAllowDataLoss: true } : {}),
      });
    });
    raiseFailures(result.failed, result.skipped, enabled);
    this.vanishedRemoved = [];
    for (const resource of this.disabledResources()) {
      const actual = await removedReads.get(resource.name);
      if (actual) planned.push({ resource: resource.name, title: resource.title, label: resource.label(this.contextFor(resource, 'plan'), actual), action: 'delete', changes: [], adopted: false, reason: 'removed from config' });
      const recorded = this.options.recorded(resource.name);
      if (!actual && recorded) this.vanishedRemoved.push({ resource, recorded });
    }
    const retired = this.options.retired ?? (() => []);
    const retiredFound = await this.findRetired(retired);
    this.vanishedRetired = vanished(this.options.resources, retired, retiredFound);
    const current = new Map<string, Observed | undefined>();
    for (const [name, read] of [...reads, ...removedReads]) current.set(name, await read);
    keepKnown.set((name: string) => new Set([current.get(name)?.id, ...retired(name).map((entry) => entry.id)].filter((id): id is string => id !== undefined)));
    const orphans = await orphanSearch;
    // apply deletes these without looking for them again (listing every certificate's tags is not cheap).
    if (this.planReads) this.planReads.orphans = orphans;
    for (const entry of [...retiredFound, ...orphans]) {
      planned.push({
        resource: entry.resource.name, title: entry.resource.title, label: entry.label, action: 'delete', changes: [], adopted: false,
        ...(entry.reason ? { reason: entry.reason } : {}),
        ...(entry.reason === 'orphan' && entry.resource.holdsData && !this.options.allowDataLoss ? { needsAllowDataLoss: true } : {}),
      });
    }
    return byStackOrder(this.options.resources, planned, (entry) => entry.resource);
  }

  /**
   * After `plan`: what apply writes to the state for the resources it leaves as they are in AWS,
   * besides recording adopted ones: a record that no longer says what was read (an upgrade that
   * records a new output, a hand edit of the state), and a retired instance gone from AWS already.
   * Mirrors state.record and forgetVanishedRetired.
   */
  recordUpdates(changes: readonly PlannedChange[]): StateUpdate[] {
    const updates: StateUpdate[] = [];
    for (const change of changes) {
      if (change.action !== 'noop' || change.adopted) continue;
      const observed = this.observed.get(change.resource);
      const recorded = this.options.recorded(change.resource);
      if (!observed || !recorded || recordSays(recorded, observed)) continue;
      updates.push({ kind: 'record', resource: change.resource, description: `refresh the record of ${change.title} ${change.label} (${recordDifferences(recorded, observed).join(', ')} read differently)` });
    }
    for (const { resource, entry } of this.vanishedRetired) {
      updates.push({ kind: 'retired', resource: resource.name, description: `drop retired ${resource.title} ${entry.id} (gone from AWS already)` });
    }
    for (const { resource, recorded } of this.vanishedRemoved) {
      updates.push({ kind: 'forget', resource: resource.name, description: `forget ${resource.title} ${recorded.id} (removed from config, and gone from AWS already)` });
    }
    return updates;
  }

  /**
   * Reads what `identity` names and updates it until `diff` is empty, at most CONVERGE_LIMIT
   * times: the Terraform provider's "create, then read", with the engine doing the read.
   */
  private async converge(resource: Resource, ctx: ResourceContext, desired: unknown, identity: Identity, verb: string): Promise<Observed> {
    let current = identity;
    for (let round = 0; ; round += 1) {
      const read = () => resource.read(ctx, asRecorded(current));
      const actual = resource.readAfterWrite ? await readAfterCreate(ctx.aws, resource.readAfterWrite, read) : await read();
      if (!actual) throw new Error(`${verb} ${resource.title} (${current.id}): not found right after the change`);
      const changes = resource.diff(desired, actual);
      if (changes.length === 0) return actual;
      if (round >= CONVERGE_LIMIT || changes.some((change) => change.replace)) {
        throw new Error(`${verb} ${resource.title} (${actual.id}): still differs after ${round} updates (${changes.map((change) => change.field).join(', ')})`);
      }
      await resource.update(ctx, desired, actual, changes);
      current = actual;
    }
  }

  /**
   * Create-before-destroy: the old instance is retired in the state first (one write), so a crash
   * anywhere after leaves it recorded, and the next run deletes it. It is deleted at the end of
   * apply, after every dependent moved to the new one. A resource with a fixed name cannot have
   * two instances, so its old one is deleted before the new one is made.
   */
  private async replace(resource: Resource, ctx: ResourceContext, desired: unknown, actual: Observed, state: StateSession): Promise<Observed> {
    await state.retire(resource.name, actual);
    if (resource.replaceDeletesFirst) {
      await resource.delete(ctx, actual);
      await state.dropRetired(resource.name, actual.id);
    }
    return this.converge(resource, ctx, desired, await resource.create(ctx, desired), 'creating');
  }

  /**
   * Converges every enabled resource, recording each change in the state as soon as it is made.
   * After a plan on this engine it acts on what that plan read, so it does what was shown (and
   * reads nothing twice); the caller makes sure the state is still the one the plan saw.
   */
  async apply(state: StateSession): Promise<PlannedChange[]> {
    const enabled = this.enabledResources();
    const planned = this.planReads;
    this.planReads = undefined;
    const reads = planned?.enabled ?? this.startReads(enabled, 'apply', (name) => state.recorded(name));
    // Resources the config no longer asks for are looked for now too (as destroy looks), and
    // deleted at the end.
    const removedReads = planned?.removed ?? this.startReads(this.disabledResources(), 'destroy', (name) => state.recorded(name));
    await this.check('apply');
    const performed: PlannedChange[] = [];
    const result = await walkGraph(enabled, async (resource) => {
      let action: Action = 'noop';
      const started = performance.now();
      const ctx = this.contextFor(resource, 'apply', () => action, () => started);
      const recorded = state.recorded(resource.name);
      const actual = await reads.get(resource.name);
      const desired = await resource.desired(ctx);
      const changes = actual ? resource.diff(desired, actual) : [];
      const replacing = changes.some((change) => change.replace);
      action = !actual ? 'create' : replacing ? 'replace' : changes.length > 0 ? 'update' : 'noop';
      const label = resource.label(ctx, actual);
      this.labelCache.set(resource.name, label);
      const adopted = actual !== undefined && recorded?.id !== actual.id;
      if (replacing) this.refuseDataLoss(resource, label, changes);
      if (action !== 'noop') this.emit(resource, action, 'start', started, undefined, label);
      let final: Observed;
      try {
        if (!actual) final = await this.converge(resource, ctx, desired, await resource.create(ctx, desired), 'creating');
        else if (replacing) final = await this.replace(resource, ctx, desired, actual, state);
        else if (changes.length > 0) {
          await resource.update(ctx, desired, actual, changes);
          final = await this.converge(resource, ctx, desired, actual, 'updating');
        } else final = actual;
      } catch (error) {
        if (action !== 'noop') this.emit(resource, action, 'failed', started, describeError(error), label);
        throw error;
      }
      this.observed.set(resource.name, final);
      await state.record(resource.name, final);
      if (action !== 'noop') this.emit(resource, action, 'done', started, undefined, resource.label(ctx, final));
      performed.push({ resource: resource.name, title: resource.title, label: resource.label(ctx, final), action, changes, adopted });
    });
    raiseFailures(result.failed, result.skipped, enabled);
    // Retired instances and resources the config no longer asks for go last, after their
    // dependents were updated away from them.
    const removed: Found[] = [];
    for (const resource of this.disabledResources()) {
      const actual = await removedReads.get(resource.name);
      if (actual) removed.push({ resource, actual, label: resource.label(this.contextFor(resource, 'destroy'), actual), reason: 'removed from config' });
      // Gone already (deleted by hand, or a delete whose state write a crash cut off): nothing to
      // delete, and nothing the state should go on naming.
      else if (state.recorded(resource.name)) await state.forget(resource.name);
    }
    const retired = await this.findRetired((name) => state.retired(name));
    await this.forgetVanishedRetired(state, retired);
    const keep = (name: string) => new Set([this.observed.get(name)?.id, ...removed.filter((entry) => entry.resource.name === name).map((entry) => entry.actual.id), ...retired.filter((entry) => entry.resource.name === name).map((entry) => entry.actual.id)]
      .filter((id): id is string => id !== undefined));
    const orphans = planned?.orphans ?? await this.findOrphans('apply', Promise.resolve(keep), (name) => state.recorded(name));
    const dataOrphans = orphans.filter((entry) => entry.resource.holdsData);
    if (dataOrphans.length > 0 && !this.options.allowDataLoss) {
      throw new UserError(`${dataOrphans.map((entry) => `${entry.resource.title} ${entry.label}`).join(', ')} tagged for this project but not in its state would be deleted with the data it holds; run up --allow-data-loss to delete it, or remove its resume-infra:project tag to keep it`);
    }
    removed.push(...retired, ...orphans);
    await this.deleteAll(removed, state, performed);
    return performed;
  }

  /** Drops retired entries whose instance is gone already. */
  private async forgetVanishedRetired(state: StateSession, stillThere: readonly Found[]): Promise<void> {
    for (const { resource, entry } of vanished(this.options.resources, (name) => state.retired(name), stillThere)) await state.dropRetired(resource.name, entry.id);
  }

  /** Finds everything this project has, enabled or not, by recorded id or by name, and its retired instances. */
  async discover(recorded: (name: string) => RecordedResource | undefined, retired: (name: string) => RetiredResource[] = () => []): Promise<Found[]> {
    const found: Found[] = [];
    const failures = new Map<string, unknown>();
    const keepKnown = settable<(name: string) => ReadonlySet<string>>();
    const orphanSearch = this.findOrphans('destroy', keepKnown.promise, recorded);
    orphanSearch.catch(() => undefined); // awaited below, unless a read fails first
    await Promise.all(this.options.resources.map(async (resource) => {
      try {
        const ctx = this.contextFor(resource, 'destroy');
        const actual = await resource.read(ctx, recorded(resource.name));
        if (actual) found.push({ resource, actual, label: resource.label(ctx, actual) });
      } catch (error) {
        failures.set(resource.name, error);
      }
    }));
    raiseFailures(failures, [], this.options.resources);
    const current = new Set(found.map((entry) => `${entry.resource.name}/${entry.actual.id}`));
    const retiredFound = (await this.findRetired(retired)).filter((entry) => !current.has(`${entry.resource.name}/${entry.actual.id}`));
    // Orphan alias records are found by what they point at: the distribution found here.
    for (const entry of found) this.observed.set(entry.resource.name, entry.actual);
    keepKnown.set((name: string) => new Set([...found, ...retiredFound].filter((entry) => entry.resource.name === name).map((entry) => entry.actual.id)));
    const orphans = await orphanSearch;
    return [...byStackOrder(this.options.resources, found, (entry) => entry.resource.name), ...retiredFound, ...orphans];
  }

  private async deleteOne(entry: Found, state: StateSession, performed: PlannedChange[]): Promise<void> {
    const { resource } = entry;
    const started = performance.now();
    const ctx = this.contextFor(resource, 'destroy', () => 'delete', () => started);
    this.labelCache.set(resource.name, entry.label);
    this.emit(resource, 'delete', 'start', started, undefined, entry.label);
    try {
      await resource.delete(ctx, entry.actual);
    } catch (error) {
      this.emit(resource, 'delete', 'failed', started, describeError(error), entry.label);
      throw error;
    }
    // The state write follows the delete, but what depends on it does not wait for the write: a
    // delete the state missed (a crash in between) is found gone by the next run's read. The
    // writes stay in order, and the caller flushes them (a failed one fails the run there).
    const write = entry.reason === 'retired' ? state.dropRetired(resource.name, entry.actual.id) : entry.reason !== 'orphan' ? state.forget(resource.name) : undefined;
    write?.catch(() => undefined);
    this.emit(resource, 'delete', 'done', started, undefined, entry.label);
    performed.push({ resource: resource.name, title: resource.title, label: entry.label, action: 'delete', changes: [], adopted: false, ...(entry.reason ? { reason: entry.reason } : {}) });
  }

  /**
   * Deletes in reverse dependency order, dependents first, forgetting each in the state as it
   * goes; then retired instances and orphans, which nothing depends on any more.
   */
  async deleteAll(found: Found[], state: StateSession, performed: PlannedChange[] = []): Promise<PlannedChange[]> {
    const main = found.filter((entry) => entry.reason !== 'retired' && entry.reason !== 'orphan');
    const byName = new Map(main.map((entry) => [entry.resource.name, entry]));
    const nodes = main.map((entry) => entry.resource);
    const result = await walkGraph(nodes, async (resource) => {
      const entry = byName.get(resource.name);
      if (entry) await this.deleteOne(entry, state, performed);
    }, { reverse: true });
    raiseFailures(result.failed, result.skipped, nodes);
    const failures = new Map<string, unknown>();
    for (const entry of found.filter((candidate) => !main.includes(candidate)).reverse()) {
      try {
        await this.deleteOne(entry, state, performed);
      } catch (error) {
        failures.set(`${entry.resource.name} ${entry.label}`, error);
      }
    }
    raiseFailures(failures, [], this.options.resources);
    return performed;
  }

  outputsOf(name: string): Record<string, string> | undefined {
    return this.observed.get(name)?.outputs;
  }
}
