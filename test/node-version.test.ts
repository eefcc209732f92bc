// The Node version check in cli/bin.mjs: one line naming the running version and the minimum,
// exit 1, before any dependency is loaded; and package.json's "engines" says the same versions.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  enginesRange, MINIMUM_NODE, nodeVersionProblem, quietSdkNode20Notice, SUPPORTED_LINES,
} from '../cli/node-version.mjs';
import { loadedBy } from './helpers/cli.ts';

const SDK_NOTICE = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** A preload that makes the process report another Node version, the way an old Node would. */
function fakeNodeVersion(version: string): string {
  const source = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: ${JSON.stringify(version)} } });`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

describe('the Node version check', () => {
  test('an old or end-of-life Node gets one line naming its version, the minimum and the recommendation', () => {
    for (const version of ['18.20.4', '20.18.3', '21.7.3', '22.11.0', '23.11.1', '25.2.0']) {
      const problem = nodeVersionProblem(version);
      assert.ok(problem !== undefined, version);
      assert.equal(problem, `resume-infra needs Node.js 20.19.0 or later (supported: 20.19+, 22.12+, 24, 26); this is Node.js ${version}: install Node.js 24 or later`);
    }
  });

  test('every supported line, and a Node newer than the newest tested, passes', () => {
    for (const version of ['20.19.0', '20.20.2', '22.12.0', '22.23.5', '24.0.0', '24.22.3', '26.12.1', '28.0.0']) {
      assert.equal(nodeVersionProblem(version), undefined, version);
    }
  });

  test('package.json engines states exactly the supported lines, oldest first', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
    assert.equal(manifest.engines.node, enginesRange());
    assert.equal(manifest.engines.node, '^20.19.0 || ^22.12.0 || ^24.0.0 || ^26.0.0');
    assert.equal(MINIMUM_NODE, `${SUPPORTED_LINES[0]?.[0]}.${SUPPORTED_LINES[0]?.[1]}.0`);
  });

  test('npx resume-infra under a Node that reports 18.20.4 prints the one line, exits 1 and loads no dependency', async () => {
    // GIVEN the real binary, in a process whose process.versions says Node 18
    // WHEN it is asked for --help
    const run = await loadedBy(['--help'], { RESUME_INFRA_FROM_SOURCE: '1' }, [fakeNodeVersion('18.20.4')]);

    // THEN it refuses in one line, prints no help and no stack, and never reached node_modules
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `${nodeVersionProblem('18.20.4')}\n`);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    assert.deepEqual(run.loaded.filter((url) => url.includes('/node_modules/')), []);
    assert.ok(run.loaded.some((url) => url.endsWith('/cli/node-version.mjs')), 'the check itself was loaded');
  });

  test('the same binary on this Node runs --help', async () => {
    const run = await loadedBy(['--help'], { RESUME_INFRA_FROM_SOURCE: '1' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Usage: resume-infra/);
  });
});

describe("the SDK's Node 20 notice", () => {
  test('is silenced on Node 20 only, and a value the user set is kept', () => {
    const on20: Record<string, string | undefined> = {};
    quietSdkNode20Notice(on20, '20.20.2');
    assert.equal(on20[SDK_NOTICE], 'true');

    for (const version of ['22.23.5', '24.22.3', '26.12.1']) {
      const env: Record<string, string | undefined> = {};
      quietSdkNode20Notice(env, version);
      assert.equal(env[SDK_NOTICE], undefined, version);
    }

    const userChoice: Record<string, string | undefined> = { [SDK_NOTICE]: 'false' };
    quietSdkNode20Notice(userChoice, '20.20.2');
    assert.equal(userChoice[SDK_NOTICE], 'false');
  });
});
