// Starts and stops the local AWS emulator (moto_server). Used by `dev`, `npm run demo` and the tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { UserError } from './errors.ts';

export interface Emulator {
  endpoint: string;
  port: number;
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

/**
 * Starts moto_server on a free loopback port with the settings MOTO.md recommends. `env` is laid
 * over those settings, e.g. `{ MOTO_ACM_VALIDATION_WAIT: '600' }` for certificates that stay pending.
 */
export async function startEmulator(options: { port?: number; quiet?: boolean; env?: Record<string, string> } = {}): Promise<Emulator> {
  if (!emulatorInstalled()) throw new UserError(EMULATOR_INSTALL_HINT);
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_ACM_VALIDATION_WAIT: '1', PYTHONHASHSEED: '0', ...options.env },
    stdio: 'ignore',
    detached: false,
  });
  const stopOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', stopOnExit);
  await waitUntilAnswering(endpoint, child, 20_000);
  return {
    endpoint,
    port,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`resetting the emulator: HTTP ${response.status}`);
    },
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
