// The README's first command works: `npm run demo` against a local emulator it starts itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/emulator.ts';
import { pollUntil } from './helpers/dev.ts';
import './helpers/emulator.ts';

test('npm run demo creates the stack on the emulator, shows status, a new release, its rollback, and ends with a no-change plan', () => {
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
  // The release steps, in order, each run (a failing step ends the demo with exit 1).
  const steps = [...demo.stdout.matchAll(/^\$ npx resume-infra (.*?)   # /gm)].map((match) => match[1]?.replace(/-c \S+ /, '-c <edited copy> '));
  assert.deepEqual(steps, ['plan', 'up --yes', 'status', 'plan', '-c <edited copy> deploy-site', 'releases', 'rollback', 'releases', 'plan']);
  // Each step's output, by its command line.
  const outputs = demo.stdout.split(/^\$ npx resume-infra /m).slice(1);
  const [listed, rolledBack, listedAgain, lastPlan] = outputs.slice(5);
  const rows = (text = ''): Array<{ live: boolean; id: string }> => [...text.matchAll(/^([* ]) +([0-9a-f]{8,64}) /gm)].map((match) => ({ live: match[1] === '*', id: match[2] ?? '' }));
  const [newer, older] = rows(listed);
  assert.equal(rows(listed).length, 2, `two releases after the edited deploy:\n${listed}`);
  assert.ok(newer?.live && !older?.live, `the edited release is live:\n${listed}`);
  assert.match(rolledBack ?? '', new RegExp(`release ${older?.id ?? '?'} is live \\(was ${newer?.id ?? '?'}\\)`));
  assert.deepEqual(rows(listedAgain), [{ live: false, id: newer?.id }, { live: true, id: older?.id }], `the first release is live again:\n${listedAgain}`);
  assert.match(lastPlan ?? '', /No changes\. The stack matches the config\./, 'after the rollback the live release is the example site: nothing to change');
});

test('npm run demo -- --port N serves the preview on port N', async () => {
  const port = await freePort();
  // Through npm, as the README shows it, so the `--` pass-through is what is tested. Its own
  // process group, so Ctrl-C reaches npm, the shell and the demo as it would in a terminal.
  const demo = spawn('npm', ['run', 'demo', '--', '--port', String(port)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => demo.once('close', resolve));
  try {
    const ready = await pollUntil(async () => (output.includes(`Preview ready at http://localhost:${port}`) ? true : undefined), 120_000);
    assert.ok(ready, `the demo's preview did not start on port ${port}:\n${output}`);
    const page = await fetch(`http://localhost:${port}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
  } finally {
    process.kill(-(demo.pid ?? 0), 'SIGINT');
    await exited;
  }
});

test('npm run demo refuses an unknown option in one line', () => {
  const demo = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--prot', '9000'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' });
  assert.equal(demo.status, 1);
  assert.match(demo.stderr.trim(), /^error: .*'--prot'.*; the demo takes only --port <port>, e\.g\. npm run demo -- --port 9000$/);
});
