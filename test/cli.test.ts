// The CLI as a user meets it: help, version, and one-line errors for bad input.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runCli } from './helpers/cli.ts';

const RECORDER = new URL('./helpers/record-imports.mjs', import.meta.url).pathname;

async function importsOf(args: string[]): Promise<{ status: number | null; stdout: string; loaded: string[] }> {
  const file = join(await mkdtemp(join(tmpdir(), 'imports-')), 'loaded.txt');
  await writeFile(file, '');
  // From the sources, where every package is a separate import the recorder can see; the
  // bundle's own check is in build.test.ts.
  const child = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], { env: { ...process.env, RECORD_IMPORTS_FILE: file, RESUME_INFRA_FROM_SOURCE: '1' }, encoding: 'utf8' });
  return { status: child.status, stdout: child.stdout, loaded: (await readFile(file, 'utf8')).split('\n').filter(Boolean) };
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
