// Start-up time of the CLI: `--help` and `--version` (which must not load the AWS SDK).
// Run: npx tsx bench/startup.ts [runs]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));
const runs = Number(process.argv[2] ?? 15);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function timeCommand(command: string, args: string[], count: number): { median: number; min: number } {
  const times: number[] = [];
  for (let i = 0; i < count + 1; i++) {
    const started = performance.now();
    const result = spawnSync(command, args, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
    if (i > 0) times.push(performance.now() - started); // the first run warms the tsx cache
  }
  return { median: median(times), min: Math.min(...times) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = [
    ['resume-infra --help', timeCommand(process.execPath, [bin, '--help'], runs)],
    ['resume-infra --version', timeCommand(process.execPath, [bin, '--version'], runs)],
  ] as const;
  console.log(`node ${process.version}, ${runs} runs each (after one warm-up)`);
  console.log('| command | median ms | min ms |\n|---|---:|---:|');
  for (const [name, time] of rows) console.log(`| ${name} | ${time.median.toFixed(0)} | ${time.min.toFixed(0)} |`);
}
