// One moto_server per test file, started on a free port, reset between tests, stopped at the end.
import { after } from 'node:test';
import { quietSdkNode20Notice } from '../../cli/node-version.mjs';
import { emulatorInstalled, EMULATOR_INSTALL_HINT, startEmulator, type Emulator } from '../../src/emulator.ts';

process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
quietSdkNode20Notice();
delete process.env.AWS_PROFILE;
delete process.env.AWS_ENDPOINT_URL;

export const ACCOUNT = '123456789012';

/** Starts the emulator for this test file. Fails, never skips, when moto_server is missing. */
export async function useEmulator(): Promise<Emulator> {
  if (!emulatorInstalled()) throw new Error(`${EMULATOR_INSTALL_HINT} (the integration tests need it)`);
  const emulator = await startEmulator();
  after(() => emulator.stop());
  return emulator;
}
