// The README stays true: its command reference matches --help, and its commands are the real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
  const documented = [...section('Commands').matchAll(/^\| `([a-z-]+)[^`]*` \|/gm)].map((match) => match[1]).sort();
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
