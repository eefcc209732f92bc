// The growth section's report (issue 17): a no-change `up` of generated sites of 10, 1,000 and
// 10,000 files, as a table, pass/fail lines for the targets, and an SVG plot against the file
// count (log scale), hand-written so the bench needs no plotting dependency.
import { seconds } from './report.ts';
import { median, medianOperations, okRuns, type Measurement } from './stats.ts';

export interface GrowthRow {
  files: number;
  bytes: number;
  /** The untimed first `up` that deploys the site. */
  setupMs: number;
  runs: Measurement[];
}

export interface GrowthResults {
  rows: GrowthRow[];
  /** Whether the stack had a domain (as the stack section). */
  domain: string | undefined;
}

/** Issue 17's targets for the no-change `up`. */
export const GROWTH_TARGETS = { maxSecondsAtLargest: 3, maxRssMb: 300 } as const;

/** maxRSS is in KiB; the targets and the site sizes are in MB (10^6 bytes), as the issue gives them. */
const megabytes = (kib: number) => (kib * 1024) / 1e6;

interface RowFigures {
  files: number;
  bytes: number;
  ms: number | undefined;
  minMs: number | undefined;
  maxMs: number | undefined;
  requests: number | undefined;
  rssMb: number | undefined;
  maxRssMb: number | undefined;
  failed: number;
}

function figures(row: GrowthRow): RowFigures {
  const ok = okRuns(row.runs);
  const times = ok.map((run) => run.ms);
  const rss = ok.flatMap((run) => (run.maxRssKb === undefined ? [] : [megabytes(run.maxRssKb)]));
  return {
    files: row.files,
    bytes: row.bytes,
    ms: median(times),
    minMs: times.length > 0 ? Math.min(...times) : undefined,
    maxMs: times.length > 0 ? Math.max(...times) : undefined,
    requests: median(ok.flatMap((run) => (run.counts ? [run.counts.total] : []))),
    rssMb: median(rss),
    maxRssMb: rss.length > 0 ? Math.max(...rss) : undefined,
    failed: row.runs.length - ok.length,
  };
}

const megabytesOf = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(0)} MB`);

export function growthSection(results: GrowthResults, svgLink: string): string[] {
  const rows = results.rows.map(figures);
  const runCount = results.rows[0]?.runs.length ?? 0;
  const lines = [
    '## Growth with the site: a no-change `up`',
    '',
    `Generated sites (bench/sitegen.ts, seeded: the same bytes on every machine) of ${rows.map((row) => row.files.toLocaleString('en-US')).join(', ')} files, each deployed by one untimed \`up\` to a reset emulator `
      + `(warm, direct, no delay), ${results.domain ? `with the domain ${results.domain}` : 'without a domain'}; then ${runCount} timed no-change \`up\` run${runCount === 1 ? '' : 's'}. `
      + 'Requests are counted by the proxy; peak RSS is the CLI process\'s `process.resourceUsage().maxRSS`, written on exit by bench/rss-probe.mjs (loaded with `NODE_OPTIONS=--import`).',
    '',
    '| files | site size | first `up` (untimed) | no-change `up` (median) | min – max | AWS requests | peak RSS (median / max) |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((row, index) => `| ${row.files.toLocaleString('en-US')} | ${(row.bytes / 1e6).toFixed(1)} MB | ${seconds(results.rows[index]?.setupMs)} | ${row.ms === undefined ? 'failed' : seconds(row.ms)}${row.failed > 0 ? ` (${row.failed} failed)` : ''} | ${seconds(row.minMs)} – ${seconds(row.maxMs)} | ${row.requests ?? '–'} | ${megabytesOf(row.rssMb)} / ${megabytesOf(row.maxRssMb)} |`),
    '',
    ...growingOperations(results.rows),
    `![Time, requests and peak RSS of a no-change \`up\` against the number of files](${svgLink})`,
    '',
    '### Targets (issue 17)',
    '',
    ...growthTargetLines(rows),
    '',
  ];
  return lines;
}

/** The operations whose median count is not the same at every size, as a sentence (none: nothing). */
function growingOperations(rows: readonly GrowthRow[]): string[] {
  const perRow = rows.map((row) => new Map(medianOperations(okRuns(row.runs)).map((entry) => [entry.name, entry.count])));
  const names = [...new Set(perRow.flatMap((counts) => [...counts.keys()]))].sort();
  const changing = names.filter((name) => new Set(perRow.map((counts) => counts.get(name) ?? 0)).size > 1);
  if (changing.length === 0 || rows.length < 2) return [];
  const sizes = rows.map((row) => row.files.toLocaleString('en-US')).join(' / ');
  return [`Operations whose count changes with the site (median at ${sizes} files): ${changing.map((name) => `${name} ${perRow.map((counts) => counts.get(name) ?? 0).join(' / ')}`).join(', ')}.`, ''];
}

function growthTargetLines(rows: RowFigures[]): string[] {
  const verdict = (pass: boolean) => (pass ? '**PASS**' : '**FAIL**');
  const requests = rows.map((row) => row.requests);
  const sameRequests = requests.every((value) => value !== undefined && value === requests[0]);
  const largest = rows[rows.length - 1];
  const largestOk = largest?.ms !== undefined && largest.ms <= GROWTH_TARGETS.maxSecondsAtLargest * 1000;
  const peaks = rows.map((row) => row.maxRssMb);
  const peak = peaks.every((value) => value !== undefined) ? Math.max(...(peaks as number[])) : undefined;
  return [
    `- ${verdict(sameRequests)} the same number of AWS requests at every size: ${rows.map((row) => `${row.requests ?? '–'} at ${row.files.toLocaleString('en-US')}`).join(', ')}`,
    `- ${verdict(largestOk)} at most ${GROWTH_TARGETS.maxSecondsAtLargest} s at ${largest?.files.toLocaleString('en-US') ?? '–'} files: median ${seconds(largest?.ms)}`,
    `- ${verdict(peak !== undefined && peak <= GROWTH_TARGETS.maxRssMb)} peak RSS at most ${GROWTH_TARGETS.maxRssMb} MB: largest of any run ${megabytesOf(peak)}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// The plot: one panel per figure, file count on a log axis.

const PANEL = { width: 300, height: 210, left: 56, top: 34, right: 16, bottom: 44 };

/** The smallest 1, 2, 2.5 or 5 × 10^n at or above `value`. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 2.5, 5, 10].map((step) => step * power).find((candidate) => candidate >= value) ?? 10 * power);
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fixed = (value: number) => Number(value.toFixed(1));

interface Series {
  title: string;
  unit: string;
  points: Array<{ files: number; value: number; low?: number; high?: number }>;
  /** A target drawn as a dashed line. */
  limit?: { value: number; label: string };
  format(value: number): string;
}

function panel(series: Series, offsetX: number, xDecades: [number, number]): string {
  const plotWidth = PANEL.width - PANEL.left - PANEL.right;
  const plotHeight = PANEL.height - PANEL.top - PANEL.bottom;
  const top = Math.max(...series.points.map((point) => point.high ?? point.value), series.limit?.value ?? 0);
  const yMax = niceCeiling(top * 1.1);
  // A little room left and right of the outer decades, so that their labels stay inside.
  const [from, to] = [xDecades[0] - 0.2, xDecades[1] + 0.2];
  const x = (files: number) => fixed(offsetX + PANEL.left + ((Math.log10(files) - from) / (to - from)) * plotWidth);
  const y = (value: number) => fixed(PANEL.top + plotHeight - (value / yMax) * plotHeight);
  const parts: string[] = [
    `<text x="${fixed(offsetX + PANEL.width / 2)}" y="18" text-anchor="middle" font-weight="bold">${escape(series.title)}</text>`,
    `<rect x="${fixed(offsetX + PANEL.left)}" y="${PANEL.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
  ];
  for (let tick = 0; tick <= 5; tick++) {
    const value = (yMax / 5) * tick;
    parts.push(`<line x1="${fixed(offsetX + PANEL.left)}" x2="${fixed(offsetX + PANEL.left + plotWidth)}" y1="${y(value)}" y2="${y(value)}" stroke="#eee"/>`);
    parts.push(`<text x="${fixed(offsetX + PANEL.left - 6)}" y="${fixed(y(value) + 4)}" text-anchor="end">${escape(series.format(value))}</text>`);
  }
  for (let decade = xDecades[0]; decade <= xDecades[1]; decade++) {
    const files = 10 ** decade;
    parts.push(`<line x1="${x(files)}" x2="${x(files)}" y1="${PANEL.top}" y2="${PANEL.top + plotHeight}" stroke="#eee"/>`);
    parts.push(`<text x="${x(files)}" y="${PANEL.top + plotHeight + 16}" text-anchor="middle">${files.toLocaleString('en-US')}</text>`);
  }
  parts.push(`<text x="${fixed(offsetX + PANEL.left + plotWidth / 2)}" y="${PANEL.height - 8}" text-anchor="middle">files (log scale)</text>`);
  parts.push(`<text x="${fixed(offsetX + 14)}" y="${fixed(PANEL.top + plotHeight / 2)}" text-anchor="middle" transform="rotate(-90 ${fixed(offsetX + 14)} ${fixed(PANEL.top + plotHeight / 2)})">${escape(series.unit)}</text>`);
  if (series.limit) {
    parts.push(`<line x1="${fixed(offsetX + PANEL.left)}" x2="${fixed(offsetX + PANEL.left + plotWidth)}" y1="${y(series.limit.value)}" y2="${y(series.limit.value)}" stroke="#c00" stroke-dasharray="5 4"/>`);
    // Labelled over the second decade, where the sizes measured (10, 1,000, 10,000) put no point.
    parts.push(`<text x="${x(10 ** (xDecades[0] + 1))}" y="${fixed(y(series.limit.value) - 5)}" text-anchor="middle" fill="#c00">${escape(series.limit.label)}</text>`);
  }
  const path = series.points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(point.files)} ${y(point.value)}`).join(' ');
  if (path) parts.push(`<path d="${path}" fill="none" stroke="#1f5fa8" stroke-width="2"/>`);
  for (const point of series.points) {
    if (point.low !== undefined && point.high !== undefined) {
      parts.push(`<line x1="${x(point.files)}" x2="${x(point.files)}" y1="${y(point.low)}" y2="${y(point.high)}" stroke="#1f5fa8"/>`);
    }
    parts.push(`<circle cx="${x(point.files)}" cy="${y(point.value)}" r="4" fill="#1f5fa8"><title>${escape(`${point.files} files: ${series.format(point.value)}`)}</title></circle>`);
    parts.push(`<text x="${x(point.files)}" y="${fixed(y(point.value) - 8)}" text-anchor="middle" fill="#1f5fa8">${escape(series.format(point.value))}</text>`);
  }
  return parts.join('\n');
}

/** Time (median, with min–max), AWS requests and peak RSS of a no-change `up`, against the file count. */
export function growthSvg(results: GrowthResults): string {
  const rows = results.rows.map(figures);
  const files = rows.map((row) => row.files);
  const xDecades: [number, number] = [Math.floor(Math.log10(Math.min(...files, 10))), Math.ceil(Math.log10(Math.max(...files, 10)))];
  const point = (row: RowFigures, value: number | undefined, low?: number, high?: number) => (value === undefined ? [] : [{ files: row.files, value, ...(low !== undefined && high !== undefined ? { low, high } : {}) }]);
  const panels: Series[] = [
    {
      title: 'No-change up: wall time (median, min–max)', unit: 'seconds', format: (value) => value.toFixed(value < 10 ? 1 : 0),
      points: rows.flatMap((row) => point(row, row.ms === undefined ? undefined : row.ms / 1000, row.minMs === undefined ? undefined : row.minMs / 1000, row.maxMs === undefined ? undefined : row.maxMs / 1000)),
      limit: { value: GROWTH_TARGETS.maxSecondsAtLargest, label: `target ≤ ${GROWTH_TARGETS.maxSecondsAtLargest} s` },
    },
    { title: 'AWS requests', unit: 'requests', format: (value) => value.toFixed(0), points: rows.flatMap((row) => point(row, row.requests)) },
    {
      title: 'Peak RSS of the CLI', unit: 'MB', format: (value) => value.toFixed(0),
      points: rows.flatMap((row) => point(row, row.maxRssMb)),
      limit: { value: GROWTH_TARGETS.maxRssMb, label: `target ≤ ${GROWTH_TARGETS.maxRssMb} MB` },
    },
  ];
  const width = PANEL.width * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL.height}" viewBox="0 0 ${width} ${PANEL.height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${PANEL.height}" fill="#fff"/>`,
    ...panels.map((series, index) => panel(series, index * PANEL.width, xDecades)),
    '</svg>',
    '',
  ].join('\n');
}
