// The state of one locked run: the document in memory, written back after every change.
import type { Observed } from '../engine/types.ts';
import type { RecordedResource, RetiredResource, SiteRecord, StateDocument } from './document.ts';
import type { StateStore } from './store.ts';

/** Whether a state entry already says exactly this (so recording it writes nothing). */
export function recordSays(current: RecordedResource | undefined, observed: Observed): boolean {
  return current !== undefined && current.id === observed.id && current.arn === observed.arn && JSON.stringify(current.outputs) === JSON.stringify(observed.outputs);
}

/** Whether the document's entry for `name` already says exactly this (so recording it writes nothing). */
export function recordMatches(document: StateDocument, name: string, observed: Observed): boolean {
  return recordSays(document.resources[name], observed);
}

/** What a state entry says differently from `observed`: `id`, `arn`, `outputs.<name>` (or `outputs`, for their order alone). */
export function recordDifferences(current: RecordedResource, observed: Observed): string[] {
  const fields: string[] = [];
  if (current.id !== observed.id) fields.push('id');
  if (current.arn !== observed.arn) fields.push('arn');
  const names = [...new Set([...Object.keys(current.outputs), ...Object.keys(observed.outputs)])].sort();
  const outputs = names.filter((name) => current.outputs[name] !== observed.outputs[name]).map((name) => `outputs.${name}`);
  if (outputs.length > 0) fields.push(...outputs);
  else if (JSON.stringify(current.outputs) !== JSON.stringify(observed.outputs)) fields.push('outputs');
  return fields;
}

export class StateSession {
  private writes: Promise<void> = Promise.resolve();
  /** Number of state writes this run made. */
  writeCount = 0;

  /** Without a store (destroy with no state bucket) changes stay in memory. */
  constructor(
    private readonly store: StateStore | undefined,
    readonly document: StateDocument,
    private etag: string | undefined,
  ) {}

  recorded(name: string): RecordedResource | undefined {
    return this.document.resources[name];
  }

  record(name: string, observed: Observed): Promise<void> {
    if (recordMatches(this.document, name, observed)) return this.writes;
    return this.change(() => {
      this.document.resources[name] = {
        id: observed.id,
        ...(observed.arn ? { arn: observed.arn } : {}),
        outputs: observed.outputs,
        updatedAt: new Date().toISOString(),
      };
    });
  }

  /** Instances of `name` superseded by a replacement and not yet deleted. */
  retired(name: string): RetiredResource[] {
    return (this.document.retired ?? []).filter((entry) => entry.resource === name);
  }

  /**
   * Moves `observed` from the resource's entry to the retired list, in one write, before its
   * replacement is made: from then on every run knows it must still be deleted.
   */
  retire(name: string, observed: Observed): Promise<void> {
    return this.change(() => {
      const retired = (this.document.retired ?? []).filter((entry) => !(entry.resource === name && entry.id === observed.id));
      const now = new Date().toISOString();
      retired.push({ resource: name, id: observed.id, ...(observed.arn ? { arn: observed.arn } : {}), outputs: observed.outputs, updatedAt: now, retiredAt: now });
      this.document.retired = retired;
      if (this.document.resources[name]?.id === observed.id) delete this.document.resources[name];
    });
  }

  /** A retired instance is deleted: drop it. */
  dropRetired(name: string, id: string): Promise<void> {
    const retired = this.document.retired ?? [];
    if (!retired.some((entry) => entry.resource === name && entry.id === id)) return this.writes;
    return this.change(() => {
      const rest = retired.filter((entry) => !(entry.resource === name && entry.id === id));
      if (rest.length > 0) this.document.retired = rest;
      else delete this.document.retired;
    });
  }

  forget(name: string): Promise<void> {
    if (!(name in this.document.resources)) return this.writes;
    return this.change(() => {
      delete this.document.resources[name];
    });
  }

  setOutputs(outputs: Record<string, string>): Promise<void> {
    if (JSON.stringify(outputs) === JSON.stringify(this.document.outputs)) return this.writes;
    return this.change(() => {
      this.document.outputs = outputs;
    });
  }

  /** Records the live site release; no write when the record already says this. */
  setSite(site: Omit<SiteRecord, 'updatedAt'>): Promise<void> {
    const current = this.document.site;
    if (current && current.live === site.live && current.previous === site.previous && current.rolledBackFrom === site.rolledBackFrom) return this.writes;
    return this.change(() => {
      this.document.site = {
        live: site.live,
        ...(site.previous !== undefined ? { previous: site.previous } : {}),
        ...(site.rolledBackFrom !== undefined ? { rolledBackFrom: site.rolledBackFrom } : {}),
        updatedAt: new Date().toISOString(),
      };
    });
  }

  /** A write queued behind the one in flight; every change made before it starts goes in it. */
  private queued: Promise<void> | undefined;

  /**
   * Changes the document at once and writes it after: writes are serialized, so every PutObject
   * carries the ETag of the previous one, and changes made while a write is in flight go together
   * in the next one (a destroy deleting several resources at once writes once per round, not once
   * per resource). The promise settles when a write holding this change is done.
   */
  private change(mutate: () => void): Promise<void> {
    mutate();
    if (!this.store) return this.writes;
    const store = this.store;
    if (!this.queued) {
      const write = this.writes.then(async () => {
        this.queued = undefined;
        this.document.serial += 1;
        this.document.updatedAt = new Date().toISOString();
        this.etag = await store.write(this.document, this.etag);
        this.writeCount += 1;
      });
      this.queued = write;
      this.writes = write;
    }
    return this.queued;
  }

  flush(): Promise<void> {
    return this.writes;
  }
}
