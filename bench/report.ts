// Markdown tables for the benchmark's results.
import { median, medianOf, medianOperations, okRuns, type Measurement } from './stats.ts';

export interface Pair {
  label: string;
  ours: Measurement[];
  theirs: Measurement[];
}

export const seconds = (ms: number | undefined): string => (ms === undefined ? '–' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const millis = (ms: number | undefined): string => (ms === undefined ? '–' : `${ms.toFixed(0)} ms`);
const count = (value: number | undefined): string => (value === undefined ? '–' : Number.isInteger(value) ? String(value) : value.toFixed(1));

function ratio(theirs: number | undefined, ours: number | undefined): string {
  if (theirs === undefined || ours === undefined || ours <= 0) return '–';
  const value = theirs / ours;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
}

/** The median time, or why there is none; failed repetitions are left out and counted. */
function timeCell(runs: readonly Measurement[], format: (ms: number | undefined) => string = seconds): string {
  const ok = okRuns(runs);
  const failed = runs.length - ok.length;
  if (ok.length === 0) return runs.length === 0 ? 'not run' : `failed ×${failed}`;
  return `${format(median(ok.map((run) => run.ms)))}${failed > 0 ? ` (${failed} of ${runs.length} failed)` : ''}`;
}

function okMedian(runs: readonly Measurement[], pick: (run: Measurement) => number | undefined): number | undefined {
  return medianOf(okRuns(runs), pick);
}

export function stackTable(pairs: readonly Pair[]): string {
  const lines = [
    '| operation | resume-infra | terraform | terraform / resume-infra | requests (ri / tf) | mutating (ri / tf) | waves (ri / tf) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const pair of pairs) {
    const time = (runs: Measurement[]) => okMedian(runs, (run) => run.ms);
    const total = (runs: Measurement[]) => count(okMedian(runs, (run) => run.counts?.total));
    const mutating = (runs: Measurement[]) => count(okMedian(runs, (run) => run.counts?.mutating));
    const waves = (runs: Measurement[]) => count(okMedian(runs, (run) => run.waves));
    lines.push(`| ${pair.label} | ${timeCell(pair.ours)} | ${timeCell(pair.theirs)} | ${ratio(time(pair.theirs), time(pair.ours))} | ${total(pair.ours)} / ${total(pair.theirs)} | ${mutating(pair.ours)} / ${mutating(pair.theirs)} | ${waves(pair.ours)} / ${waves(pair.theirs)} |`);
  }
  return lines.join('\n');
}

export function syncTable(pairs: readonly Pair[]): string {
  const lines = [
    '| case | resume-infra | aws s3 sync | aws / resume-infra | site PUTs (ri / aws) | requests (ri / aws) |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const pair of pairs) {
    const time = (runs: Measurement[]) => okMedian(runs, (run) => run.ms);
    const puts = (runs: Measurement[]) => count(okMedian(runs, (run) => run.sitePuts));
    const total = (runs: Measurement[]) => count(okMedian(runs, (run) => run.counts?.total));
    lines.push(`| ${pair.label} | ${timeCell(pair.ours)} | ${timeCell(pair.theirs)} | ${ratio(time(pair.theirs), time(pair.ours))} | ${puts(pair.ours)} / ${puts(pair.theirs)} | ${total(pair.ours)} / ${total(pair.theirs)} |`);
  }
  return lines.join('\n');
}

export function startupTable(rows: ReadonlyArray<{ label: string; runs: Measurement[] }>): string {
  const lines = ['| command | median | min | AWS requests |', '|---|---:|---:|---:|'];
  for (const row of rows) {
    const ok = okRuns(row.runs);
    const min = ok.length > 0 ? Math.min(...ok.map((run) => run.ms)) : undefined;
    lines.push(`| ${row.label} | ${timeCell(row.runs, millis)} | ${millis(min)} | ${count(okMedian(row.runs, (run) => run.counts?.total))} |`);
  }
  return lines.join('\n');
}

/** The most frequent operations of each side of each pair (median over the successful runs). */
export function operationsSection(pairs: readonly Pair[], names: [string, string], top = 12): string {
  const blocks: string[] = [];
  for (const pair of pairs) {
    for (const [name, runs] of [[names[0], pair.ours], [names[1], pair.theirs]] as const) {
      const ok = okRuns(runs);
      if (ok.length === 0 || ok.every((run) => run.counts === undefined)) continue;
      const rows = medianOperations(ok);
      const shown = rows.slice(0, top).map((row) => `${row.name}${row.mutating ? '*' : ''} ${count(row.count)} (${row.ms.toFixed(0)} ms)`);
      const rest = rows.length > top ? `, and ${rows.length - top} more operations` : '';
      blocks.push(`- **${pair.label}: ${name}** (${rows.length} operations): ${shown.join(', ')}${rest}`);
    }
  }
  return blocks.join('\n');
}

/** The runs' own notes (failures, non-empty plans), once each. */
export function notesOf(pairs: readonly Pair[], names: [string, string]): string[] {
  const notes = new Set<string>();
  for (const pair of pairs) {
    for (const [name, runs] of [[names[0], pair.ours], [names[1], pair.theirs]] as const) {
      for (const run of runs) if (run.note) notes.add(`${pair.label}, ${name}: ${run.note}`);
    }
  }
  return [...notes];
}
