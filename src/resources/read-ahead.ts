// Reads that usually wait on another read's answer (a resource's tags on its description, say),
// started beside it instead when the state says the resource exists: one wait instead of two.
// The answer is used only when the first read agrees (the resource is there, with the ARN
// recorded); otherwise it is dropped and the read is made again, or not at all.

/**
 * `read`, started now when `now`, else on the first call of the function returned. Each call
 * gives the same promise. An early read that is never asked for is dropped, its error with it.
 */
export function readAhead<T>(now: boolean, read: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  if (now) {
    started = read();
    started.catch(() => undefined); // raised by whoever asks for it; dropped if no one does
  }
  return () => (started ??= read());
}

/**
 * A read by an id (an ARN, a deployment id): started now with the id the state records, if there
 * is one. The function returned, given the id the first read found, answers from that early read
 * when the ids match, else reads by the id found.
 */
export function readAheadById<T>(recordedId: string | undefined, read: (id: string) => Promise<T>): (id: string) => Promise<T> {
  const early = recordedId === undefined ? undefined : readAhead(true, () => read(recordedId));
  return (id) => (early && id === recordedId ? early() : read(id));
}
