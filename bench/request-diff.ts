// Comparing two runs' requests by operation, from the recording proxy's counts (bench/floor.ts and
// the stack section of bench/run.ts check with it that bench/sdk-alone.ts makes `plan`'s requests).
import type { OperationCount } from './proxy.ts';

type Counted = Pick<OperationCount, 'service' | 'operation' | 'count'>;

/** Each operation the two runs' counts disagree on, sorted, as `s3:ListObjectsV2 3 against 1`; empty when they agree. */
export function requestDifferences(a: readonly Counted[], b: readonly Counted[]): string[] {
  const byName = (counts: readonly Counted[]) => new Map(counts.map((entry) => [`${entry.service}:${entry.operation}`, entry.count]));
  const [left, right] = [byName(a), byName(b)];
  return [...new Set([...left.keys(), ...right.keys()])].sort()
    .filter((key) => (left.get(key) ?? 0) !== (right.get(key) ?? 0))
    .map((key) => `${key} ${left.get(key) ?? 0} against ${right.get(key) ?? 0}`);
}
