// Runs the CLI in-process, the way a user would call it, and captures what it prints and every AWS call.
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, spawnSync, type ChildProcessByStdio, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { main } from '../../cli/main.ts';
import type { CallLogEntry } from '../../src/aws/call-log.ts';
import { BIN, REPO_ROOT } from './dev.ts';

export { BIN };

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

/** What a child process printed, and how it ended. */
function outcome(child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
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

export function spawnCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return outcome(spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The module-resolution hook that records every URL a process resolves (see record-imports.mjs). */
export const RECORDER = fileURLToPath(new URL('./record-imports.mjs', import.meta.url));

export interface LoadedBy {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every module URL the process resolved, in order. */
  loaded: string[];
}

/**
 * Runs the real binary with `args` under the import recorder and returns what it loaded. `env` is
 * laid over the test's environment: pass `RESUME_INFRA_FROM_SOURCE: '1'` to run the sources, where
 * every package is a separate import, or `''` to let bin use a current bundle. `preloads` are
 * more `--import` modules, loaded before the recorder.
 */
export async function loadedBy(args: string[], env: Record<string, string>, preloads: readonly string[] = []): Promise<LoadedBy> {
  const file = join(await mkdtemp(join(tmpdir(), 'imports-')), 'loaded.txt');
  await writeFile(file, '');
  const child = spawnSync(process.execPath, [...preloads.flatMap((preload) => ['--import', preload]), '--import', RECORDER, BIN, ...args], {
    env: { ...process.env, RECORD_IMPORTS_FILE: file, ...env }, encoding: 'utf8',
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, loaded: (await readFile(file, 'utf8')).split('\n').filter(Boolean) };
}

/** Mutating calls, minus the lock's own PutObject/GetObject/DeleteObject. */
export function resourceMutations(calls: CallLogEntry[]): CallLogEntry[] {
  return calls.filter((call) => call.mutating && !(call.target ?? '').endsWith('.lock'));
}

/** The one command in backticks after "run" in a message, as the tool printed it. */
export function printedCommand(text: string): string {
  const match = /run `(npx resume-infra [^`]+)`/i.exec(text);
  if (!match?.[1]) throw new Error(`no command to run is printed in:\n${text}`);
  return match[1];
}

/**
 * Runs a command the tool printed, verbatim, in a shell from the repository root (where `npx
 * resume-infra` resolves), with no AWS keys, region, profile or endpoint in the environment:
 * what it needs must be in the command. `env` adds to that environment. Asynchronous, because the
 * emulator's stand-in answers from this process: a synchronous spawn would block it.
 */
export function runPrintedCommand(command: string, env: Record<string, string> = {}): Promise<CliRun> {
  const clean: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_PROFILE']) delete clean[name];
  return outcome(spawn('bash', ['-c', command], { cwd: REPO_ROOT, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 }));
}
