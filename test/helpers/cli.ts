// Runs the CLI in-process, the way a user would call it, and captures what it prints and every AWS call.
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { main } from '../../cli/main.ts';
import type { CallLogEntry } from '../../src/aws/call-log.ts';

export interface CliRun {
  code: number;
  /** The signal that ended a spawned run, if one did. */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  calls: CallLogEntry[];
}

export interface TestProject {
  dir: string;
  configPath: string;
  endpoint: string;
  /** Runs `resume-infra <args>` against the emulator with this project's config. */
  run(...args: string[]): Promise<CliRun>;
  /** Runs the real binary in a child process. */
  spawn(args: string[], env?: Record<string, string>): Promise<CliRun>;
}

/** A minimal site for projects that don't bring their own. */
export const DEFAULT_SITE: Record<string, string> = {
  'site/index.html': '<!doctype html><html lang="en"><head><title>Test</title><link rel="stylesheet" href="/style.css"></head><body><h1>Test</h1></body></html>\n',
  'site/404.html': '<!doctype html><html lang="en"><head><title>Not found</title></head><body><h1>Not found</h1></body></html>\n',
  'site/style.css': 'body { font-family: system-ui; }\n',
};

export async function makeProject(endpoint: string, config: Record<string, unknown>, files: Record<string, string> = {}): Promise<TestProject> {
  const dir = await mkdtemp(join(tmpdir(), 'resume-infra-test-'));
  const configPath = join(dir, 'resume-infra.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const withSite = Object.keys(files).some((path) => path.startsWith('site/')) ? files : { ...DEFAULT_SITE, ...files };
  for (const [path, content] of Object.entries(withSite)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const base = ['-c', configPath, '--endpoint-url', endpoint];
  return {
    dir,
    configPath,
    endpoint,
    run: (...args) => runCli([...base, ...args]),
    spawn: (args, env) => spawnCli([...base, ...args], env),
  };
}

export async function runCli(args: string[], options: { confirm?: (question: string) => Promise<boolean> } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const calls: CallLogEntry[] = [];
  const code = await main(args, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    errIsTTY: false,
    onCall: (entry) => calls.push(entry),
    ...(options.confirm ? { confirm: options.confirm } : {}),
  });
  return { code, stdout, stderr, calls };
}

export const BIN = new URL('../../cli/bin.mjs', import.meta.url).pathname;

export function spawnCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, stderr, calls: [] }));
  });
}

/** Mutating calls, minus the lock's own PutObject/GetObject/DeleteObject. */
export function resourceMutations(calls: CallLogEntry[]): CallLogEntry[] {
  return calls.filter((call) => call.mutating && !(call.target ?? '').endsWith('.lock'));
}
