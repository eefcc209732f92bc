// Every installed dependency with an install script is reviewed in package.json's `allowScripts`
// (recent npm, 11.19 on this machine, skips unreviewed ones and ends `npm ci` with a warning; see
// docs/decisions.md).
// A dependency that gains an install script, or a new one that has one, fails here until
// someone decides whether it may run.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

interface Manifest {
  name?: string;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  allowScripts?: Record<string, boolean>;
}

function readManifest(dir: string): Manifest | undefined {
  const file = join(dir, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Manifest) : undefined;
}

/** Names of the packages under `nodeModules` (nested ones included) that npm would run an install script for. */
function withInstallScripts(nodeModules: string, found = new Set<string>()): Set<string> {
  if (!existsSync(nodeModules)) return found;
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dirs = entry.name.startsWith('@')
      ? readdirSync(join(nodeModules, entry.name), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(nodeModules, entry.name, e.name))
      : [join(nodeModules, entry.name)];
    for (const dir of dirs) {
      const manifest = readManifest(dir);
      if (manifest?.name === undefined) continue;
      // npm runs `node-gyp rebuild` as an implicit install script when a package has binding.gyp.
      const scripted = INSTALL_SCRIPTS.some((script) => manifest.scripts?.[script] !== undefined)
        || (manifest.gypfile !== false && existsSync(join(dir, 'binding.gyp')));
      if (scripted) found.add(manifest.name);
      withInstallScripts(join(dir, 'node_modules'), found);
    }
  }
  return found;
}

test('every dependency with an install script is reviewed in allowScripts', () => {
  const allowScripts = readManifest(REPO)?.allowScripts ?? {};
  const scripted = withInstallScripts(join(REPO, 'node_modules'));
  // esbuild's postinstall (node install.js) is known to exist; the walk must find it.
  assert.ok(scripted.has('esbuild'), `the walk found no install script for esbuild (found: ${[...scripted].join(', ') || 'none'})`);
  const unreviewed = [...scripted].filter((name) => typeof allowScripts[name] !== 'boolean').sort();
  assert.deepEqual(unreviewed, [], `run \`npm install-scripts ls\`, then approve or deny: ${unreviewed.join(', ')}`);
});
