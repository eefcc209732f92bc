// Where a no-change `up` and a `plan` spend their time on the emulator, and the least time they
// can take there with the requests they make: `npx tsx bench/floor.ts [--reps 5] [--node 24]`.
// Writes bench/FLOOR.md.
//
// The stack is the benchmark's (site/, with the domain resume.bench-example.com), deployed once to
// a fresh emulator and run once untimed. Then, per repetition:
// - `node -e 0`: the Node binary's own start and exit;
// - each command three times through the recording proxy (bench/proxy.ts):
//   - direct: the wall time, when its first AWS request left (after the spawn), its requests, and
//     the CPU time the CLI process used (bench/cpu-probe.mjs);
//   - serial: the proxy forwards one request at a time, so the sum of the emulator's times is its
//     own work for the run (moto_server answers one request at a time anyway);
//   - with 50 ms added to every answer: the wall time and the waves on the critical path.
//
// Two lower bounds follow from these, for this request set on this emulator:
// - direct: first request + the emulator's time (every request comes after the first, one at a time);
// - 50 ms: first request + the larger of waves x 50 ms and the emulator's time.
//
// The same figures are taken for the AWS SDK alone (bench/sdk-alone.ts): `plan`'s requests, in its
// two waves, sent by bare SDK clients with nothing of resume-infra, bundled as the CLI is. What
// `plan` takes beyond that is resume-infra's own work; the rest is the SDK's and the emulator's.
// The report says whether the two made the same requests.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { currentBundle } from '../cli/bundle-check.mjs';
import { buildCli } from '../scripts/build.ts';
import { run } from './exec.ts';
import { median } from './stats.ts';
import type { OperationCount } from './proxy.ts';
import { requestDifferences } from './request-diff.ts';
import { buildSdkAlone } from './sdk-alone-build.ts';
import { CLI_ENV, mustSucceed, nodeFor, nodeStartMs, openWarmStack } from './warm-stack.ts';
import { criticalWaves } from './waves.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(REPO, 'bench', '.work', 'floor');
const BIN = join(REPO, 'cli', 'bin.mjs');
const LATENCY_MS = 50;
const COMMANDS = ['up', 'plan', 'sdk'] as const;
type Command = (typeof COMMANDS)[number];
const PROJECT = 'bench-floor';

const { values: flags } = parseArgs({ options: { reps: { type: 'string', default: '5' }, node: { type: 'string', default: '24' } } });
const reps = Number(flags.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps ${flags.reps} is not a positive whole number`);

interface Sample {
  wallMs: number;
  firstRequestMs: number;
  requests: number;
  cpuMs: number;
  emulatorMs: number;
  latencyWallMs: number;
  waves: number;
}

async function main(): Promise<void> {
  if (!currentBundle(REPO)) await buildCli();
  await rm(WORK, { recursive: true, force: true });
  const sdkAlone = await buildSdkAlone(join(WORK, 'sdk-alone'));
  const node = await nodeFor(flags.node);
  const cpuFile = join(WORK, 'cpu.txt');
  const stack = await openWarmStack(PROJECT, WORK);
  const { proxy } = stack;
  try {
    const args = (command: string) => (command === 'sdk' ? sdkAlone(proxy.url, PROJECT) : [BIN, command, '-c', stack.config, '--endpoint-url', proxy.url]);
    const cli = (command: string) => run(node.binary, args(command), {
      cwd: REPO, env: { ...CLI_ENV, NODE_OPTIONS: `--import=${pathToFileURL(join(REPO, 'bench', 'cpu-probe.mjs')).href}`, BENCH_CPU_FILE: cpuFile },
    });
    mustSucceed('the first up', await cli('up'));
    for (const command of COMMANDS) mustSucceed(`the untimed ${command}`, await cli(command));
    const requested: Partial<Record<Command, OperationCount[]>> = {};

    const bootstrap: number[] = [];
    const samples: Record<Command, Sample[]> = { up: [], plan: [], sdk: [] };
    for (let rep = 1; rep <= reps; rep++) {
      bootstrap.push(await nodeStartMs(node.binary));
      for (const command of COMMANDS) {
        const timed = async (mode: { serial: boolean; latency: number }) => {
          proxy.setSerial(mode.serial);
          proxy.setLatency(mode.latency);
          proxy.reset();
          await rm(cpuFile, { force: true });
          const result = mustSucceed(command, await cli(command));
          const timeline = proxy.timeline();
          const { operations } = proxy.counts();
          const cpu = (await readFile(cpuFile, 'utf8')).trim().split('\n').map((line) => line.split(' ').map(Number));
          const cpuMs = Math.max(...cpu.map(([, user = 0, system = 0]) => (user + system) / 1000));
          return { result, timeline, operations, cpuMs };
        };
        const direct = await timed({ serial: false, latency: 0 });
        requested[command] ??= direct.operations;
        const serial = await timed({ serial: true, latency: 0 });
        const delayed = await timed({ serial: false, latency: LATENCY_MS });
        proxy.setSerial(false);
        proxy.setLatency(0);
        samples[command].push({
          wallMs: direct.result.ms,
          firstRequestMs: Math.min(...direct.timeline.map((entry) => entry.start)),
          requests: direct.timeline.length,
          cpuMs: direct.cpuMs,
          emulatorMs: serial.timeline.reduce((total, entry) => total + entry.serviceMs, 0),
          latencyWallMs: delayed.result.ms,
          waves: criticalWaves(delayed.timeline),
        });
        process.stderr.write(`[floor] rep ${rep}/${reps} ${command}: ${(direct.result.ms / 1000).toFixed(2)} s direct, ${(delayed.result.ms / 1000).toFixed(2)} s at ${LATENCY_MS} ms\n`);
      }
    }
    const differences = requestDifferences(requested.plan ?? [], requested.sdk ?? []);
    await writeFile(join(REPO, 'bench', 'FLOOR.md'), report(node.version, bootstrap, samples, differences));
    process.stderr.write('[floor] wrote bench/FLOOR.md\n');
  } finally {
    await stack.close();
  }
}

const ms = (value: number | undefined) => (value === undefined ? '?' : `${Math.round(value)} ms`);
const med = (values: readonly number[]) => median(values) ?? Number.NaN;

const LABELS: Record<Command, string> = { up: 'no-change `up`', plan: '`plan`', sdk: 'the AWS SDK alone, `plan`\'s requests' };

function report(nodeVersion: string, bootstrap: number[], samples: Record<Command, Sample[]>, differences: readonly string[]): string {
  const rows = COMMANDS.map((command) => {
    const runs = samples[command];
    const pick = (key: keyof Sample) => med(runs.map((sample) => sample[key]));
    const directFloor = med(runs.map((sample) => sample.firstRequestMs + sample.emulatorMs));
    const latencyFloor = med(runs.map((sample) => sample.firstRequestMs + Math.max(sample.waves * LATENCY_MS, sample.emulatorMs)));
    return `| ${LABELS[command]} | ${ms(pick('wallMs'))} | ${ms(pick('firstRequestMs'))} | ${ms(pick('cpuMs'))} | ${pick('requests')} | ${ms(pick('emulatorMs'))} | **${ms(directFloor)}** | ${ms(pick('latencyWallMs'))} | ${pick('waves')} | **${ms(latencyFloor)}** |`;
  });
  return [
    '# Where a no-change `up` and a `plan` spend their time',
    '',
    `\`npx tsx bench/floor.ts --reps ${reps}\`, ${new Date().toISOString().slice(0, 10)}, resume-infra on Node ${nodeVersion}; medians of ${reps}. The stack of \`npm run bench\` with its domain, on a warm emulator; see the top of [floor.ts](floor.ts) for how each figure is taken.`,
    '',
    `\`node -e 0\` (the Node binary's own start and exit): **${ms(med(bootstrap))}**.`,
    '',
    `| command | wall, direct | first request after the spawn | process CPU (user + system) | requests | emulator's own time (one at a time) | least possible, direct | wall, +${LATENCY_MS} ms | waves | least possible, +${LATENCY_MS} ms |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    '*Least possible, direct* is the first request\'s time plus the emulator\'s own time: moto_server answers one request at a time and every request comes after the first, so no ordering of these requests ends sooner. *Least possible, +50 ms* adds to the first request\'s time the larger of the waves times 50 ms and the emulator\'s time. Both hold for this set of requests; fewer requests or an earlier first request lower them.',
    '',
    `*The AWS SDK alone* ([sdk-alone.ts](sdk-alone.ts)) sends \`plan\`'s requests in its two waves with bare SDK v3 clients and none of resume-infra's code, bundled as the CLI is: \`plan\`'s time beyond it is resume-infra's own work (config, state, engine, site scan, output), and the rest is the SDK's and the emulator's. ${differences.length === 0
      ? 'It made the same requests as `plan`, operation by operation.'
      : `**Its requests differ from \`plan\`'s** (plan against SDK alone): ${differences.join('; ')}. Update sdk-alone.ts.`}`,
    '',
  ].join('\n');
}

await main();
