// The README's first command works: `npm run demo` against a local emulator it starts itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import './helpers/emulator.ts';

test('npm run demo creates the stack on the emulator, shows status and ends with a no-change plan', () => {
  const demo = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
    env: { ...process.env, RESUME_INFRA_DEMO_NO_PREVIEW: '1' },
    timeout: 120_000,
  });
  assert.equal(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /Plan: \d+ to create/);
  assert.match(demo.stdout, /Done: \d+ created/);
  assert.match(demo.stdout, /state serial \d+/);
  assert.match(demo.stdout, /No changes\. The stack matches the config\./);
});
