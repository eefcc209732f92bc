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

/** moto_server stopped before it answered: on a port taken between freePort and its bind, most often. */
class MotoExitedEarly extends Error {}

/**
 * Polls moto's API until it answers. Each probe gives up after a second: a port held by a program
 * that accepts and never replies must not stall the loop (fetch's own limit is 5 minutes), and
 * an answer counts only while moto is still running, since then it was moto that answered.
 */
async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  while (Date.now() < deadline) {
    if (exited()) throw new MotoExitedEarly(`moto_server exited with code ${child.exitCode} before answering`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok && !exited()) return;
    } catch {
      // not listening yet, or the probe timed out
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
  const listening = new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening (\d+)/.exec(output);
      if (match?.[1]) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new UserError(`the emulator's stand-in exited with code ${code ?? 'null'} before listening; run \`node --import tsx ${entry} ${motoEndpoint}\` to see why`)));
    child.once('error', reject);
  });
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopOnExit);
    await stopChild(child);
  };
  try {
    return { port: await listening, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** How many ports moto_server is tried on before startEmulator gives up. */
export const MOTO_PORT_ATTEMPTS = 4;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

export interface StartEmulatorOptions {
  /** The stand-in's port, the one clients use; a free one when absent. */
  port?: number;
  quiet?: boolean;
  /** Laid over moto's settings, e.g. `{ MOTO_ACM_VALIDATION_WAIT: '600' }` for certificates that stay pending. */
  env?: Record<string, string>;
  /** How moto_server's port is chosen, once per attempt: freePort unless a test says otherwise. */
  pickMotoPort?: () => Promise<number>;
}

/**
 * Starts moto_server on a free loopback port with the settings MOTO.md recommends, and the stand-in
 * in front of it in a process of its own, the two side by side.
 *
 * A port found free can be taken before moto binds it, by another process or by the stand-in's own
 * listen(0) beside it; moto then exits with "Address already in use". So a moto that exits before
 * answering is tried again on a new port, with a new stand-in, up to MOTO_PORT_ATTEMPTS times (a moto
 * that cannot start at all is caught before, by emulatorInstalled). Whatever fails, every process
 * started is stopped before the error is thrown: a failed start leaves nothing to keep the caller alive.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  if (!emulatorInstalled()) throw new UserError(EMULATOR_INSTALL_HINT);
  const env = { ...process.env, MOTO_ACM_VALIDATION_WAIT: '1', PYTHONHASHSEED: '0', ...options.env };
  const pickMotoPort = options.pickMotoPort ?? freePort;
  const taken: number[] = [];
  for (let attempt = 1; attempt <= MOTO_PORT_ATTEMPTS; attempt += 1) {
    const motoPort = await pickMotoPort();
    const motoEndpoint = `http://127.0.0.1:${motoPort}`;
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(motoPort)], { env, stdio: 'ignore', detached: false });
    const stopOnExit = (): void => {
      child.kill('SIGTERM');
    };
    process.once('exit', stopOnExit);
    // The stand-in answers for moto's account: moto's default unless MOTO_ACCOUNT_ID says otherwise.
    const [standInResult, motoResult] = await Promise.allSettled([
      startStandInProcess(motoEndpoint, options.port, (env as Record<string, string | undefined>).MOTO_ACCOUNT_ID),
      waitUntilAnswering(motoEndpoint, child, 20_000),
    ]);
    if (standInResult.status === 'fulfilled' && motoResult.status === 'fulfilled') {
      return runningEmulator(standInResult.value, child, motoEndpoint, motoPort, stopOnExit);
    }
    process.removeListener('exit', stopOnExit);
    await Promise.all([stopChild(child), standInResult.status === 'fulfilled' ? standInResult.value.stop() : undefined]);
    if (motoResult.status === 'rejected' && motoResult.reason instanceof MotoExitedEarly) {
      taken.push(motoPort);
      continue;
    }
    throw motoResult.status === 'rejected' ? motoResult.reason : (standInResult as PromiseRejectedResult).reason;
  }
  throw new UserError(
    `moto_server exited before answering, on ${taken.length} ports in turn (${taken.join(', ')}); run \`moto_server -H 127.0.0.1 -p 5000\` by hand to see why`,
  );
}

function runningEmulator(standIn: StandInProcess, child: ChildProcess, motoEndpoint: string, motoPort: number, stopOnExit: () => void): Emulator {
  const endpoint = `http://127.0.0.1:${standIn.port}`;
  return {
    endpoint,
    port: standIn.port,
    motoEndpoint,
    motoPort,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`resetting the emulator: HTTP ${response.status}`);
    },
    async stop() {
      process.removeListener('exit', stopOnExit);
      await standIn.stop();
      await stopChild(child);
    },
  };
}
