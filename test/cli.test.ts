// The CLI as a user meets it: help, version, and one-line errors for bad input.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadedBy, runCli, type LoadedBy } from './helpers/cli.ts';

/** From the sources, where every package is a separate import the recorder can see; the bundle's own check is in build.test.ts. */
function importsOf(args: string[]): Promise<LoadedBy> {
  return loadedBy(args, { RESUME_INFRA_FROM_SOURCE: '1' });
}

describe('help and version', () => {
  test('--help lists the commands and loads no AWS SDK package', async () => {
    const result = await importsOf(['--help']);
    assert.equal(result.status, 0);
    for (const command of ['up', 'plan', 'status', 'destroy', 'unlock']) assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    assert.ok(result.loaded.some((url) => url.includes('commander')), 'the recorder saw commander load, so it works');
    assert.deepEqual(result.loaded.filter((url) => url.includes('@aws-sdk') || url.includes('@smithy')), []);
  });

  test('--version prints the package version and loads no AWS SDK package', async () => {
    const result = await importsOf(['--version']);
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(result.stdout.trim(), pkg.version);
    assert.deepEqual(result.loaded.filter((url) => url.includes('@aws-sdk')), []);
  });

  test('an unknown command exits 1 with a hint', async () => {
    const result = await runCli(['deploy-everything']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /unknown command 'deploy-everything'/);
  });
});
