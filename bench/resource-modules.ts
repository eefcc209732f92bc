// Figures for issue 12 (the engine owns the lifecycle): lines in src/resources/ and the pairs of
// places there that repeat six or more lines (the `duplicates` tool), at a base revision and now.
// Usage: npx tsx bench/resource-modules.ts [--base REV]   (default base: 7347bfa, before the change)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const baseIndex = process.argv.indexOf('--base');
const base = baseIndex > 0 ? process.argv[baseIndex + 1] ?? '7347bfa' : '7347bfa';
const run = (command: string, args: string[], cwd = process.cwd()): string => execFileSync(command, args, { cwd, encoding: 'utf8' });

function measure(dir: string): { lines: number; pairs: number } {
  const files = run('git', ['ls-files', 'src/resources'], dir).split('\n').filter((file) => file.endsWith('.ts'));
  const lines = files.reduce((sum, file) => sum + Number(run('wc', ['-l', file], dir).trim().split(/\s+/)[0]), 0);
  const summary = run('duplicates', ['--repo', join(dir, 'src/resources')]).split('\n')[0] ?? '';
  const pairs = /^(\d+) pairs? of places/.exec(summary)?.[1] ?? (summary.startsWith('no ') ? '0' : 'NaN');
  return { lines, pairs: Number(pairs) };
}

const checkout = mkdtempSync(join(tmpdir(), 'resources-base-'));
try {
  run('git', ['worktree', 'add', '--detach', checkout, base]);
  const before = measure(checkout);
  const after = measure(process.cwd());
  const numstat = run('git', ['diff', '--numstat', base, '--', 'src/resources']).split('\n').filter(Boolean);
  const [added, removed] = numstat.reduce(([a, r], line) => {
    const [plus, minus] = line.split('\t');
    return [a + Number(plus), r + Number(minus)];
  }, [0, 0]);
  console.log(`base ${base}: src/resources ${before.lines} lines, ${before.pairs} repeated-six-line pairs`);
  console.log(`now: src/resources ${after.lines} lines, ${after.pairs} repeated-six-line pairs`);
  console.log(`git diff ${base} -- src/resources: ${removed} lines removed, ${added} added (net ${added - removed})`);
} finally {
  run('git', ['worktree', 'remove', '--force', checkout]);
  rmSync(checkout, { recursive: true, force: true });
}
