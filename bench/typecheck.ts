// Type-check time: `tsc --noEmit` on the whole project, wall clock, median of a few runs.
// Run with `npx tsx bench/typecheck.ts [--reps N] [--tsc path/to/tsc]`. Without --tsc it times the
// project's own compiler (node_modules/.bin/tsc). To compare another version, install it aside,
// e.g. `npm install --prefix /tmp/ts5 typescript@5.9.3`, and pass `--tsc /tmp/ts5/node_modules/.bin/tsc`.
// The machine's load matters: run it on an otherwise idle machine, and compare runs from one sitting.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/paths.ts';
import { median } from './stats.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, tsc: { type: 'string' } } });
const reps = Number(values.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps ${values.reps}: give a whole number of runs, 1 or more`);
const tsc = values.tsc ?? join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsc');

function run(args: readonly string[]): { ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(tsc, args, { cwd: PACKAGE_ROOT, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${tsc} ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return { ms, stdout: result.stdout.trim() };
}

const version = run(['--version']).stdout;
const times: number[] = [];
for (let i = 0; i < reps; i += 1) times.push(run(['--noEmit']).ms);
const seconds = (ms: number | undefined) => ((ms ?? Number.NaN) / 1000).toFixed(2);
console.log(`${version} on Node ${process.versions.node}: tsc --noEmit median ${seconds(median(times))} s over ${reps} runs ` +
  `(min ${seconds(Math.min(...times))}, max ${seconds(Math.max(...times))})`);
