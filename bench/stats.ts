// Medians and the shape of one measured run, shared by the harness and its report.
import type { Counts } from './proxy.ts';

export interface Measurement {
  ms: number;
  ok: boolean;
  /** Why it is not ok, or anything worth knowing about this run. */
  note?: string;
  counts?: Counts;
  /** Object PUTs to the bucket under test (the sync benchmark). */
  sitePuts?: number;
  /** Seconds Terraform spent on single resources, by address (its "complete after Ns" lines). */
  resourceSeconds?: Record<string, number>;
  /** Waves of requests on the run's critical path (bench/waves.ts). */
  waves?: number;
  /** The CLI process's peak resident set size, in KiB (the growth section). */
  maxRssKb?: number;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

export function okRuns(runs: readonly Measurement[]): Measurement[] {
  return runs.filter((run) => run.ok);
}

export function medianOf(runs: readonly Measurement[], pick: (run: Measurement) => number | undefined): number | undefined {
  return median(runs.map(pick).filter((value): value is number => value !== undefined));
}

/** Median count of each operation over the runs (an operation a run did not make counts 0 there). */
export function medianOperations(runs: readonly Measurement[]): Array<{ name: string; mutating: boolean; count: number; ms: number }> {
  const names = new Map<string, boolean>();
  for (const run of runs) for (const entry of run.counts?.operations ?? []) names.set(`${entry.service}:${entry.operation}`, entry.mutating);
  const rows = [...names].map(([name, mutating]) => {
    const pick = (run: Measurement) => run.counts?.operations.find((entry) => `${entry.service}:${entry.operation}` === name);
    return {
      name,
      mutating,
      count: median(runs.map((run) => pick(run)?.count ?? 0)) ?? 0,
      ms: median(runs.map((run) => pick(run)?.ms ?? 0)) ?? 0,
    };
  });
  return rows.filter((row) => row.count > 0).sort((a, b) => b.count - a.count || b.ms - a.ms || a.name.localeCompare(b.name));
}
