// Runs the real `resume-infra dev` binary the way a user does: from a project directory holding a
// copy of site/, on a free port, until "Preview ready at <url>" appears on stdout.
// No node:test imports here: bench/dev.ts uses these helpers too.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/emulator.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The real `resume-infra` binary. test/helpers/cli.ts re-exports it (it imports the CLI's main, which bench must not). */
export const BIN = join(REPO_ROOT, 'cli', 'bin.mjs');
export const SITE_DIR = join(REPO_ROOT, 'site');

export interface DevProject {
  dir: string;
  siteDir: string;
  project: string;
  region: string;
}

/** A second page, for clean URLs (`/about/`, `/about`); the fixture sites add it to their copy of site/. */
export const ABOUT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>About</title><link rel="stylesheet" href="/css/style.css"></head>
<body><main><h1>About this page</h1><p>A second page, served at /about/.</p><p><a href="/">Back to the resume</a></p></main></body>
</html>
`;

export interface DevProjectOptions {
  /** Extra keys for resume-infra.json, e.g. a domain. */
  config?: Record<string, unknown>;
  /** Files to write into the site copy, by path relative to site/. */
  files?: Record<string, string>;
}

/** A project directory with its own copy of the repository's site/ and a minimal config. */
export async function makeDevProject(project = 'dev-preview', region = 'us-east-1', options: DevProjectOptions = {}): Promise<DevProject> {
  const dir = await mkdtemp(join(tmpdir(), 'resume-infra-dev-test-'));
  const siteDir = join(dir, 'site');
  await cp(SITE_DIR, siteDir, { recursive: true, filter: (source) => !source.endsWith('config.json') });
  for (const [path, text] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(siteDir, path)), { recursive: true });
    await writeFile(join(siteDir, path), text);
  }
  await writeFile(join(dir, 'resume-infra.json'), `${JSON.stringify({ project, region, ...options.config }, null, 2)}\n`);
  return { dir, siteDir, project, region };
}

export interface DevServer {
  /** The URL printed after "Preview ready at". */
  url: string;
  port: number;
  child: ChildProcess;
  /** Milliseconds from spawn to the "Preview ready" line. */
  readyMs: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited, with its code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGINT (Ctrl-C) and waits for the exit; SIGKILL after `timeoutMs` as a last resort. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; forced: boolean }>;
}

export interface StartDevOptions {
  /** An emulator the preview should use (`--endpoint-url`); without it `dev` starts its own. */
  endpointUrl?: string;
  port?: number;
  timeoutMs?: number;
}

const READY = /Preview ready at (http:\/\/\S+)/;

export async function startDev(project: DevProject, options: StartDevOptions = {}): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const args = [BIN, 'dev', '--port', String(port)];
  if (options.endpointUrl) args.push('--endpoint-url', options.endpointUrl);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // commander reads AWS_ENDPOINT_URL as --endpoint-url: without the flag, dev must start its own emulator.
  delete env.AWS_ENDPOINT_URL;
  delete env.AWS_PROFILE;
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: project.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // A crashed test run must not leave a preview (and its emulator) behind: SIGTERM runs dev's cleanup.
  const killOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  const timeoutMs = options.timeoutMs ?? 120_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`resume-infra dev printed no "Preview ready at" within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    const onData = (): void => {
      const match = READY.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`resume-infra dev exited (code ${code}, signal ${signal}) before it was ready\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });
  const readyMs = performance.now() - started;

  return {
    url,
    port,
    child,
    readyMs,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop(stopTimeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return { ...(await exited), forced: false };
      child.kill('SIGINT');
      let forced = false;
      const timer = setTimeout(() => {
        forced = true;
        child.kill('SIGKILL');
      }, stopTimeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, forced };
    },
  };
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** R, S, Z, … from /proc/<pid>/stat. */
  state: string;
  command: string;
}

/** One process from /proc, or undefined when it no longer exists. */
export function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may itself hold spaces or parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() : '';
    return { pid, ppid: Number(fields[1]), state: fields[0] ?? '?', command };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (children, grandchildren, …), read from /proc. */
export function descendants(root: number): ProcessInfo[] {
  const all: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = processInfo(Number(entry));
    if (info) all.push(info);
  }
  const found: ProcessInfo[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const children = all.filter((info) => frontier.includes(info.ppid));
    found.push(...children);
    frontier = children.map((info) => info.pid);
  }
  return found;
}

/**
 * Still running: present in /proc and not a zombie. A zombie has exited and only waits for its
 * parent to reap it; children orphaned by a process that exited are reparented to PID 1, and this
 * sandbox's PID 1 (not a real init) never reaps them.
 */
export function isRunning(pid: number): boolean {
  const info = processInfo(pid);
  return info !== undefined && info.state !== 'Z';
}

/** Polls `check` every 100 ms until it returns a value or `timeoutMs` passes. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs `resume-infra <command>` against the preview's emulator exactly as dev printed it on stderr
 * ("releases of the preview: …", "roll the preview back: …"), with `extra` arguments appended.
 * While the state is locked (the preview's last deploy-site finishing its steps after the switch)
 * it runs it again, for up to 10 s.
 */
export async function runPreviewCommand(dev: DevServer, command: 'releases' | 'rollback', extra: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const printed = new RegExp(`^(?:releases of the preview|roll the preview back): (.*) npx resume-infra (.*) ${command}$`, 'm').exec(dev.stderr());
  if (!printed?.[1] || !printed[2]) throw new Error(`dev printed no ${command} command:\n${dev.stderr()}`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AWS_ENDPOINT_URL;
  delete env.AWS_PROFILE;
  for (const assignment of printed[1].split(' ')) {
    const [name, value] = assignment.split('=');
    if (name && value !== undefined) env[name] = value;
  }
  const args = [BIN, ...printed[2].split(' '), command, ...extra];
  const deadline = Date.now() + 10_000;
  for (;;) {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code === 0 || !/is locked by/.test(stderr) || Date.now() > deadline) return { code, stdout, stderr };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
