// Reads that two resources make at the same moment (restApi and api's GetRestApi, the edge
// function's and the site step's GetFunction of LIVE, a hosted zone's listing) share one request
// while it is unanswered.
// An entry lasts only as long as its request: a read asked for later is made again, so nothing
// is answered from an earlier moment than the one it was asked at. A run that writes nothing
// (`plan`), or the part of a run before it takes the lock (`up`'s plan), can keep the answers
// instead: there, every read of one thing is one moment.

export class InFlight<T> {
  private readonly byClient = new WeakMap<object, Map<string, Promise<T>>>();
  /** Clients whose answers are kept after they arrive (keep). */
  private readonly kept = new WeakSet<object>();

  private entries(client: object): Map<string, Promise<T>> {
    let entries = this.byClient.get(client);
    if (!entries) this.byClient.set(client, entries = new Map());
    return entries;
  }

  /** The request in flight for `key` on `client`, else the one `start` makes. */
  share(client: object, key: string, start: () => Promise<T>): Promise<T> {
    const entries = this.entries(client);
    const running = entries.get(key);
    if (running) return running;
    const read = start().finally(() => {
      if (!this.kept.has(client) && entries.get(key) === read) entries.delete(key);
    });
    entries.set(key, read);
    return read;
  }

  /** For a run that makes no write through `client`: each key's first answer answers every later read of it too. */
  keep(client: object): void {
    this.kept.add(client);
  }

  /** Whether `client` keeps its answers (keep, until release). */
  keeps(client: object): boolean {
    return this.kept.has(client);
  }

  /** Ends keep: every read from now on is asked afresh (e.g. once `up` holds the lock). */
  release(client: object): void {
    this.kept.delete(client);
    this.byClient.delete(client);
  }

  /** Before a write to what `key` reads: a read still in flight may answer from before it, so none is shared from now on. */
  forget(client: object, key: string): void {
    this.entries(client).delete(key);
  }
}
