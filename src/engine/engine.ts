// Walks the resource graph: plan (read-only), apply (create/update, state after each), destroy (reverse).
import { describeError, UserError } from '../errors.ts';
import type { StateSession } from '../state/session.ts';
import type { RecordedResource } from '../state/document.ts';
import { walkGraph } from './graph.ts';
import { KNOWN_AFTER_APPLY, type Change, type Mode, type Observed, type Resource, type ResourceContext } from './types.ts';

export type Action = 'create' | 'update' | 'delete' | 'noop';

export interface PlannedChange {
  resource: string;
  title: string;
  label: string;
  action: Action;
  changes: Change[];
  /** Found by name or tag, not by the recorded id: the state will record it. */
  adopted: boolean;
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
  onProgress?: (event: ProgressEvent) => void;
}


/** Throws one error naming every resource that failed. */
function raiseFailures(failed: Map<string, unknown>, skipped: string[], resources: readonly Resource[]): void {
  if (failed.size === 0) return;
  const first = [...failed.values()][0];
  if (failed.size === 1 && first instanceof UserError) throw first;
  const titles = (name: string) => resources.find((resource) => resource.name === name)?.title ?? name;
  const parts = [...failed.entries()].map(([name, error]) => `${titles(name)}: ${describeError(error)}`);
  const skippedNote = skipped.length > 0 ? ` (not attempted: ${skipped.map(titles).join(', ')})` : '';
  const error = new UserError(`${parts.join('; ')}${skippedNote}`, { cause: first });
  if (!(first instanceof UserError) && first instanceof Error) error.stack = first.stack;
  throw error;
}

export class Engine {
  private readonly observed = new Map<string, Observed | undefined>();
  /** The reads of the last plan, which the next apply on this engine acts on (see apply). */
  private planReads: { enabled: Map<string, Promise<Observed | undefined>>; removed: Map<string, Promise<Observed | undefined>> } | undefined;

  constructor(private readonly options: EngineOptions) {}

  private enabledResources(): Resource[] {
    return this.options.resources.filter((resource) => resource.enabled?.(this.options.context.config) ?? true);
  }

  private disabledResources(): Resource[] {
    return this.options.resources.filter((resource) => !(resource.enabled?.(this.options.context.config) ?? true));
  }

  private contextFor(resource: Resource, mode: Mode, action: () => Action, started: () => number): ResourceContext {
    const output = (name: string, key: string): string => {
        const observed = this.observed.get(name);
        if (observed === undefined) {
          if (mode === 'plan') return KNOWN_AFTER_APPLY;
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

  private readonly labelCache = new Map<string, string>();

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
        await resource.check(this.contextFor(resource, mode, () => 'noop', () => 0));
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
      const read = resource.read(this.contextFor(resource, mode, () => 'noop', () => 0), recorded(resource.name));
      read.catch(() => undefined); // awaited (and its error raised) by the resource's own step
      reads.set(resource.name, read);
    }
    return reads;
  }

  /** Reads everything and reports what `apply` would do. Calls only read-only operations. */
  async plan(): Promise<PlannedChange[]> {
    const reads = this.startReads(this.enabledResources(), 'plan', this.options.recorded);
    // Removed resources are looked for the way apply and destroy look for them.
    const removedReads = this.startReads(this.disabledResources(), 'destroy', this.options.recorded);
    this.planReads = { enabled: reads, removed: removedReads };
    await this.check('plan');
    const planned: PlannedChange[] = [];
    const enabled = this.enabledResources();
    const result = await walkGraph(enabled, async (resource) => {
      const ctx = this.contextFor(resource, 'plan', () => 'noop', () => 0);
      const recorded = this.options.recorded(resource.name);
      const actual = await reads.get(resource.name);
      this.observed.set(resource.name, actual);
      const label = resource.label(ctx, actual);
      const adopted = actual !== undefined && recorded?.id !== actual.id;
      if (!actual) {
        planned.push({ resource: resource.name, title: resource.title, label, action: 'create', changes: [], adopted: false });
        return;
      }
      const desired = await resource.desired(ctx);
      const changes = resource.diff(desired, actual);
      planned.push({ resource: resource.name, title: resource.title, label, action: changes.length > 0 ? 'update' : 'noop', changes, adopted });
    });
    raiseFailures(result.failed, result.skipped, enabled);
    for (const resource of this.disabledResources()) {
      const ctx = this.contextFor(resource, 'plan', () => 'delete', () => 0);
      const actual = await removedReads.get(resource.name);
      if (actual) planned.push({ resource: resource.name, title: resource.title, label: resource.label(ctx, actual), action: 'delete', changes: [], adopted: false });
    }
    const order = this.options.resources.map((resource) => resource.name);
    return planned.sort((a, b) => order.indexOf(a.resource) - order.indexOf(b.resource));
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
      action = !actual ? 'create' : changes.length > 0 ? 'update' : 'noop';
      const label = resource.label(ctx, actual);
      this.labelCache.set(resource.name, label);
      const adopted = actual !== undefined && recorded?.id !== actual.id;
      if (action !== 'noop') this.emit(resource, action, 'start', started, undefined, label);
      let final: Observed;
      try {
        if (!actual) final = await resource.create(ctx, desired);
        else if (changes.length > 0) final = await resource.update(ctx, desired, actual, changes);
        else final = actual;
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
    // Resources the config no longer asks for go last, after their dependents were updated away from them.
    const removed: Array<{ resource: Resource; actual: Observed; label: string }> = [];
    for (const resource of this.disabledResources()) {
      const actual = await removedReads.get(resource.name);
      if (actual) removed.push({ resource, actual, label: resource.label(this.contextFor(resource, 'destroy', () => 'delete', () => 0), actual) });
    }
    await this.deleteAll(removed, state, performed);
    return performed;
  }

  /** Finds everything this project has, enabled or not, by recorded id or by name. */
  async discover(recorded: (name: string) => RecordedResource | undefined): Promise<Array<{ resource: Resource; actual: Observed; label: string }>> {
    const found: Array<{ resource: Resource; actual: Observed; label: string }> = [];
    const failures = new Map<string, unknown>();
    await Promise.all(this.options.resources.map(async (resource) => {
      try {
        const ctx = this.contextFor(resource, 'destroy', () => 'delete', () => 0);
        const actual = await resource.read(ctx, recorded(resource.name));
        if (actual) found.push({ resource, actual, label: resource.label(ctx, actual) });
      } catch (error) {
        failures.set(resource.name, error);
      }
    }));
    raiseFailures(failures, [], this.options.resources);
    const order = this.options.resources.map((resource) => resource.name);
    return found.sort((a, b) => order.indexOf(a.resource.name) - order.indexOf(b.resource.name));
  }

  /** Deletes in reverse dependency order, dependents first, forgetting each in the state as it goes. */
  async deleteAll(found: Array<{ resource: Resource; actual: Observed; label: string }>, state: StateSession, performed: PlannedChange[] = []): Promise<PlannedChange[]> {
    const byName = new Map(found.map((entry) => [entry.resource.name, entry]));
    const nodes = found.map((entry) => entry.resource);
    const result = await walkGraph(nodes, async (resource) => {
      const entry = byName.get(resource.name);
      if (!entry) return;
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
      await state.forget(resource.name);
      this.emit(resource, 'delete', 'done', started, undefined, entry.label);
      performed.push({ resource: resource.name, title: resource.title, label: entry.label, action: 'delete', changes: [], adopted: false });
    }, { reverse: true });
    raiseFailures(result.failed, result.skipped, nodes);
    return performed;
  }

  outputsOf(name: string): Record<string, string> | undefined {
    return this.observed.get(name)?.outputs;
  }
}
