// The README stays true: its command reference matches --help, and its commands are the real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { runCli } from './helpers/cli.ts';
import { DEPLOY_COMMAND } from '../src/commands/ci-setup.ts';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

test('every command in the README command reference appears in --help, and the reverse', async () => {
  const documented = [...section('Commands').matchAll(/^\| `([a-z][a-z-]*)[^`]*` \|/gm)].map((match) => match[1]).sort();
  const help = await runCli(['--help']);
  const commandsBlock = help.stdout.slice(help.stdout.indexOf('Commands:'));
  const listed = [...commandsBlock.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((match) => match[1]).filter((name) => name !== 'help').sort();
  assert.ok(listed.length >= 5, help.stdout);
  assert.deepEqual(documented, listed);
});

test('the quick start shows the demo and the test command', () => {
  const quickStart = section('Quick start — no AWS account needed');
  assert.match(quickStart, /^npm run demo\b/m);
  assert.match(quickStart, /^npm test\b/m);
});

test('the README shows the same up command the deploy workflow runs', async () => {
  assert.ok(readme.includes(DEPLOY_COMMAND), `README mentions ${DEPLOY_COMMAND}`);
  const workflow = await readFile(new URL('../.github/workflows/deploy.yml', import.meta.url), 'utf8');
  assert.ok(workflow.includes(DEPLOY_COMMAND));
});

test('every document the README links to exists', async () => {
  const targets = [...readme.matchAll(/\]\(((?:docs\/|state)[^)#]+)\)/g)].map((match) => match[1]);
  assert.ok(targets.length > 0, 'the README links to at least one document under docs/ or a state file, so the check below ran');
  for (const target of targets) {
    await assert.doesNotReject(readFile(new URL(`../${target}`, import.meta.url)), `${target} exists`);
  }
});

test("each command's --help lists exactly the global options the README's table says it takes", async () => {
  const commandsSection = section('Commands');
  const commands = [...commandsSection.matchAll(/^\| `([a-z][a-z-]*)[^`]*` \|/gm)].map((match) => match[1] ?? '');
  const rows = [...commandsSection.matchAll(/^\| `(-[^`]+)` \| ([^|]+) \|/gm)].map((match) => ({
    flags: match[1] ?? '',
    takes: (match[2] ?? '').trim(),
  }));
  assert.ok(rows.length >= 7, 'the README has the global options table');
  const documentedFor = (command: string) => rows.filter(({ takes }) => {
    if (takes === 'all') return true;
    const named = [...takes.matchAll(/`([a-z-]+)`/g)].map((match) => match[1]);
    return takes.startsWith('all but') ? !named.includes(command) : named.includes(command);
  }).map(({ flags }) => flags).sort();
  for (const command of commands) {
    const help = await runCli([command, '--help']);
    assert.equal(help.code, 0, help.stderr);
    const globals = help.stdout.slice(help.stdout.indexOf('Global Options:'));
    assert.ok(globals.startsWith('Global Options:'), `${command} --help has a Global Options section:\n${help.stdout}`);
    const listed = [...globals.matchAll(/^ {2}(-[a-z-]+(?:, --[a-z-]+)?(?: <[a-z-]+>)?)/gm)].map((match) => match[1] ?? '').sort();
    assert.deepEqual(listed, documentedFor(command), `${command} --help`);
  }
});

test('npm test with Chromium missing stops at once with one line, no stack trace', async () => {
  // npm runs "pretest" before "test"; running it through npm shows what the user sees.
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.pretest ?? '', /scripts\/test-prerequisites\.ts/);
  const started = performance.now();
  const run = spawnSync('npm', ['run', '--silent', 'pretest'], {
    cwd: new URL('..', import.meta.url), encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
  });
  assert.equal(run.status, 1);
  assert.equal(run.stderr.trim(), 'npm test: Chromium is not installed at /nonexistent/chromium: run `apt-get install chromium`, or set CHROMIUM_PATH to a Chromium or Chrome binary (the browser tests need it)');
  assert.ok(performance.now() - started < 30_000, 'at once, not after the suite');
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Make it yours'));
  assert.match(section, /apt-get install chromium/);
  assert.match(section, /CHROMIUM_PATH/);
  assert.match(section, /`npm test` takes about \d+ minutes/);
});
