// What one change bought: two builds of resume-infra taking turns on one warm emulator, for a
// no-change `up` and a `plan` of the benchmark's stack with its domain, direct and with a delay
// added to every answer. The machine's speed drifts by the hour; runs taking turns see the same
// drift, so their medians compare where two separate runs would not.
//
//   npx tsx bench/ab.ts <commit-a> [<commit-b>] [--reps 21] [--commands up,plan] [--latency 0,50] [--node 24]
//
// A commit is built in a git worktree under bench/.work/ab/ (with this checkout's node_modules);
// without <commit-b>, B is this checkout as it is (built if its bundle is stale). Prints, per
// command and delay, each side's median wall time, its runs, and the median requests and waves.
import { access, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { currentBundle } from '../cli/bundle-check.mjs';
import { buildCli } from '../scripts/build.ts';
import { run } from './exec.ts';
import { median } from './stats.ts';
import { CLI_ENV, mustSucceed, nodeFor, openWarmStack } from './warm-stack.ts';
import { criticalWaves } from './waves.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(REPO, 'bench', '.work', 'ab');

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '21' }, commands: { type: 'string', default: 'up,plan' }, latency: { type: 'string', default: '0,50' }, node: { type: 'string', default: '24' } },
});
const [commitA, commitB] = positionals;
if (commitA === undefined || positionals.length > 2) throw new Error('usage: npx tsx bench/ab.ts <commit-a> [<commit-b>] [--reps 21] [--commands up,plan] [--latency 0,50] [--node 24]');
const reps = Number(flags.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps ${flags.reps} is not a positive whole number`);
const commands = flags.commands.split(',');
for (const command of commands) if (command !== 'up' && command !== 'plan') throw new Error(`--commands: "${command}" is not up or plan`);
const latencies = flags.latency.split(',').map(Number);
for (const latency of latencies) if (!Number.isInteger(latency) || latency < 0) throw new Error(`--latency: "${flags.latency}" is not a list of whole numbers of ms`);

/** The checkout of `commit`, built: a worktree made once and reused. */
async function checkout(commit: string): Promise<{ label: string; bin: string }> {
  const sha = mustSucceed(`git rev-parse ${commit}`, await run('git', ['rev-parse', '--short', `${commit}^{commit}`], { cwd: REPO })).stdout.trim();
  const dir = join(WORK, sha);
  const exists = await access(join(dir, 'package.json')).then(() => true, () => false);
  if (!exists) {
    await mkdir(WORK, { recursive: true });
    mustSucceed('git worktree add', await run('git', ['worktree', 'add', '--force', '--detach', dir, sha], { cwd: REPO }));
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  }
  if (!currentBundle(dir)) mustSucceed(`the build of ${sha}`, await run(process.execPath, ['--import', 'tsx', join(dir, 'scripts', 'build.ts')], { cwd: dir }));
  return { label: sha, bin: join(dir, 'cli', 'bin.mjs') };
}

async function main(): Promise<void> {
  const a = await checkout(commitA as string);
  if (commitB === undefined && !currentBundle(REPO)) await buildCli();
  const b = commitB === undefined ? { label: 'working tree', bin: join(REPO, 'cli', 'bin.mjs') } : await checkout(commitB);
  const node = (await nodeFor(flags.node)).binary;
  const stack = await openWarmStack('bench-ab', WORK);
  const { proxy } = stack;
  try {
    const cli = (bin: string, command: string) => run(node, [bin, command, '-c', stack.config, '--endpoint-url', proxy.url], { cwd: REPO, env: CLI_ENV });
    // A deploys; each side then runs every command once untimed (the first run after a build fills the compile cache).
    mustSucceed(`${a.label} up`, await cli(a.bin, 'up'));
    for (const command of commands) for (const side of [a, b]) mustSucceed(`${side.label} ${command}`, await cli(side.bin, command));
    process.stdout.write(`A = ${a.label}, B = ${b.label}; medians of ${reps}, taking turns (A first in odd repetitions)\n`);
    for (const command of commands) {
      for (const latency of latencies) {
        const runs = new Map([[a, [] as Array<{ ms: number; requests: number; waves: number }>], [b, []]]);
        proxy.setLatency(latency);
        for (let rep = 0; rep < reps; rep++) {
          for (const side of rep % 2 === 0 ? [a, b] : [b, a]) {
            proxy.reset();
            const result = mustSucceed(`${side.label} ${command}`, await cli(side.bin, command));
            const timeline = proxy.timeline();
            runs.get(side)?.push({ ms: result.ms, requests: timeline.length, waves: criticalWaves(timeline) });
          }
        }
        for (const [side, name] of [[a, 'A'], [b, 'B']] as const) {
          const list = runs.get(side) ?? [];
          const pick = (key: 'ms' | 'requests' | 'waves') => median(list.map((entry) => entry[key])) ?? Number.NaN;
          process.stdout.write(`${command} +${latency} ms: ${name} ${Math.round(pick('ms'))} ms median (${list.map((entry) => Math.round(entry.ms)).join(' ')}), ${pick('requests')} requests, ${pick('waves')} waves\n`);
        }
      }
    }
  } finally {
    await stack.close();
  }
}

await main();
