// Starts and stops the local AWS emulator: moto_server, behind a stand-in (src/emulator/standin.ts)
// for the CloudFront endpoints moto lacks. Used by `dev`, `npm run demo` and the tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './paths.ts';
import { UserError } from './errors.ts';

export interface Emulator {
  /** The stand-in's URL: every client talks to this one. */
  endpoint: string;
  port: number;
  /** moto_server itself, without the stand-in's CloudFront endpoints. */
  motoEndpoint: string;
  motoPort: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const EMULATOR_INSTALL_HINT =
  'the local AWS emulator (moto_server) is not installed: run `pip install "moto[server]"` and make sure `moto_server` is on PATH';

export function emulatorInstalled(): boolean {
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new UserError(`moto_server exited with code ${child.exitCode} before answering; run \`moto_server -H 127.0.0.1 -p 5000\` by hand to see why`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new UserError(`moto_server did not answer at ${endpoint} within ${timeoutMs} ms; check that nothing else holds the port`);
}

interface StandInProcess {
  port: number;
  stop(): Promise<void>;
}

/**
 * The stand-in (src/emulator/standin.ts) in a child process of its own, not in this one: a caller
 * that blocks its event loop (spawnSync of the CLI in a test) must not stop the emulator answering.
 */
async function startStandInProcess(motoEndpoint: string, port: number | undefined, account: string | undefined): Promise<StandInProcess> {
  const entry = join(PACKAGE_ROOT, 'src', 'emulator', 'standin-process.ts');
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), entry, motoEndpoint, String(port ?? 0), account ?? ''], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stopOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', stopOnExit);
  const listening = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening (\d+)/.exec(output);
      if (match?.[1]) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new UserError(`the emulator's stand-in exited with code ${code ?? 'null'} before listening; run \`node --import tsx ${entry} ${motoEndpoint}\` to see why`)));
    child.once('error', reject);
  });
  return {
    port: listening,
    async stop() {
      process.removeListener('exit', stopOnExit);
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}

/**
 * Starts moto_server on a free loopback port with the settings MOTO.md recommends, and the stand-in
 * in front of it in a process of its own (on `port` when given). `env` is laid over moto's settings, e.g.
 * `{ MOTO_ACM_VALIDATION_WAIT: '600' }` for certificates that stay pending.
 */
export async function startEmulator(options: { port?: number; quiet?: boolean; env?: Record<string, string> } = {}): Promise<Emulator> {
  if (!emulatorInstalled()) throw new UserError(EMULATOR_INSTALL_HINT);
  const motoPort = await freePort();
  const motoEndpoint = `http://127.0.0.1:${motoPort}`;
  const env = { ...process.env, MOTO_ACM_VALIDATION_WAIT: '1', PYTHONHASHSEED: '0', ...options.env };
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)], {
    env,
    stdio: 'ignore',
    detached: false,
  });
  const stopOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', stopOnExit);
  // The stand-in answers for moto's account: moto's default unless MOTO_ACCOUNT_ID says otherwise.
  let standIn: StandInProcess | undefined;
  try {
    [standIn] = await Promise.all([
      startStandInProcess(motoEndpoint, options.port, (env as Record<string, string | undefined>).MOTO_ACCOUNT_ID),
      waitUntilAnswering(motoEndpoint, child, 20_000),
    ]);
  } catch (error) {
    process.removeListener('exit', stopOnExit);
    child.kill('SIGTERM');
    await standIn?.stop();
    throw error;
  }
  const running = standIn;
  const endpoint = `http://127.0.0.1:${running.port}`;
  return {
    endpoint,
    port: running.port,
    motoEndpoint,
    motoPort,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`resetting the emulator: HTTP ${response.status}`);
    },
    async stop() {
      process.removeListener('exit', stopOnExit);
      await running.stop();
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
