// Comparing two runs' requests by operation, from the recording proxy's timeline (bench/floor.ts
// checks with it that bench/sdk-alone.ts makes the requests `plan` makes).
import type { TimelineEntry } from './proxy.ts';

/** `service:operation` -> how many requests of it the timeline holds. */
export function operationCounts(timeline: ReadonlyArray<Pick<TimelineEntry, 'service' | 'operation'>>): Map<string, number> {
  const counted = new Map<string, number>();
  for (const { service, operation } of timeline) counted.set(`${service}:${operation}`, (counted.get(`${service}:${operation}`) ?? 0) + 1);
  return counted;
}

/** Each operation the two counts disagree on, sorted, as `s3:ListObjectsV2 3 against 1`; empty when they agree. */
export function requestDifferences(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort()
    .filter((key) => (a.get(key) ?? 0) !== (b.get(key) ?? 0))
    .map((key) => `${key} ${a.get(key) ?? 0} against ${b.get(key) ?? 0}`);
}
