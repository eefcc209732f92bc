// Every dependency with an install script is reviewed in package.json's `allowScripts` (recent
// npm, 11.19 on this machine, skips unreviewed ones and ends `npm ci` with a warning; see
// docs/decisions.md). npm records which locked packages have one (`hasInstallScript`, binding.gyp
// builds included), so a dependency that gains an install script, or a new one that has one,
// fails here until someone decides whether it may run.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

interface Lockfile {
  packages: Record<string, { name?: string; hasInstallScript?: boolean }>;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(new URL(`../${file}`, import.meta.url), 'utf8')) as T;
}

test('every dependency with an install script is reviewed in allowScripts', async () => {
  const { allowScripts = {} } = await readJson<{ allowScripts?: Record<string, boolean> }>('package.json');
  const { packages } = await readJson<Lockfile>('package-lock.json');
  // A locked package's name is its own `name` when it is an alias, else the path after its last node_modules/.
  const scripted = new Set(Object.entries(packages)
    .filter(([, entry]) => entry.hasInstallScript === true)
    .map(([path, entry]) => entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)));
  // esbuild's postinstall (node install.js) is known to exist; the lockfile must say so.
  assert.ok(scripted.has('esbuild'), `package-lock.json marks no install script for esbuild (found: ${[...scripted].join(', ') || 'none'})`);
  const unreviewed = [...scripted].filter((name) => typeof allowScripts[name] !== 'boolean').sort();
  assert.deepEqual(unreviewed, [], `run \`npm install-scripts ls\`, then approve or deny: ${unreviewed.join(', ')}`);
});
