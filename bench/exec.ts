// Child processes for the benchmark: timed, logged to a file, and never outliving the harness.
// Each child leads its own process group, so stopping it also stops what it started (Terraform's
// provider plugins, the aws CLI's workers).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface RunResult {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Both streams are appended here as well. */
  logFile?: string;
  /** Killed (the whole process group) after this long. */
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops every child still running: SIGTERM, then SIGKILL a moment later. */
export async function killAll(): Promise<void> {
  const children = [...running];
  for (const child of children) killGroup(child, 'SIGTERM');
  if (children.length === 0) return;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const child of children) killGroup(child, 'SIGKILL');
}

export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  log?.write(`\n$ ${command} ${args.join(' ')}\n`);
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    log?.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    log?.write(chunk);
  });
  const timer = options.timeoutMs
    ? setTimeout(() => {
        log?.write(`\n[bench] killed after ${options.timeoutMs} ms\n`);
        killGroup(child, 'SIGTERM');
        setTimeout(() => killGroup(child, 'SIGKILL'), 3000).unref();
      }, options.timeoutMs)
    : undefined;
  const code = await new Promise<number>((resolve) => {
    child.once('error', (error) => {
      stderr.push(Buffer.from(String(error)));
      resolve(127);
    });
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  const ms = performance.now() - started;
  if (timer) clearTimeout(timer);
  running.delete(child);
  log?.write(`[bench] exit ${code} after ${ms.toFixed(0)} ms\n`);
  await new Promise<void>((resolve) => (log ? log.end(() => resolve()) : resolve()));
  return { ms, code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}
