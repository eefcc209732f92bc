// What `npm test` needs on the machine besides Node: the local AWS emulator and a Chromium.
// No node:test and no playwright here: the pretest check imports this and must start fast.
import { existsSync } from 'node:fs';
import { emulatorInstalled, EMULATOR_INSTALL_HINT } from '../../src/emulator.ts';

// Debian's Chromium by default; GitHub's Ubuntu runners set CHROMIUM_PATH to their preinstalled Chrome.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_HINT = `Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install chromium\`, or set CHROMIUM_PATH to a Chromium or Chrome binary (the browser tests need it)`;

/** One line per missing prerequisite; empty when the suite can run. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (!emulatorInstalled()) missing.push(EMULATOR_INSTALL_HINT);
  if (!existsSync(CHROMIUM_PATH)) missing.push(CHROMIUM_HINT);
  return missing;
}
