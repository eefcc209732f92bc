// dist/: the bundle `cli/bin.mjs` runs when it is current. It must be used only while every
// source it was built from is unchanged, start without loading AWS SDK code for --help, and run
// a real command against the emulator.
import { test, describe } from 'node:test';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BUILD_INFO, BUNDLE_ENTRY, currentBundle } from '../cli/bundle-check.mjs';
import { buildCli } from '../scripts/build.ts';
import { loadedBy, makeProject } from './helpers/cli.ts';
import { useEmulator } from './helpers/emulator.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_ENV = { RESUME_INFRA_FROM_SOURCE: undefined };
/** For the spawned bin: an empty RESUME_INFRA_FROM_SOURCE lets it use a current bundle. */
const BUNDLE_ALLOWED = { RESUME_INFRA_FROM_SOURCE: '' };

/** A root with one source, a bundle built after it, and the build info naming the source. */
async function fakeBuild(): Promise<{ root: string; source: string; entry: string }> {
  const root = await mkdtemp(join(tmpdir(), 'bundle-check-'));
  await mkdir(join(root, 'src'), { recursive: true });
  await mkdir(join(root, 'dist'), { recursive: true });
  const source = join(root, 'src', 'a.ts');
  const entry = join(root, BUNDLE_ENTRY);
  await writeFile(source, 'export {};\n');
  await writeFile(entry, 'export {};\n');
  await writeFile(join(root, BUILD_INFO), JSON.stringify({ inputs: ['src/a.ts'] }));
  const past = new Date(Date.now() - 60_000);
  await utimes(source, past, past);
  return { root, source, entry };
}

describe('when the bundle is used', () => {
  test('a bundle newer than every source it lists is current', async () => {
    const { root, entry } = await fakeBuild();
    assert.equal(currentBundle(root, SOURCE_ENV), entry);
  });

  test('an edited source makes it stale', async () => {
    const { root, source } = await fakeBuild();
    const future = new Date(Date.now() + 60_000);
    await utimes(source, future, future);
    assert.equal(currentBundle(root, SOURCE_ENV), undefined);
  });

  test('a deleted source, a missing build info or RESUME_INFRA_FROM_SOURCE makes it unused', async () => {
    const deleted = await fakeBuild();
    await rm(deleted.source);
    assert.equal(currentBundle(deleted.root, SOURCE_ENV), undefined);

    const noInfo = await fakeBuild();
    await rm(join(noInfo.root, BUILD_INFO));
    assert.equal(currentBundle(noInfo.root, SOURCE_ENV), undefined);

    const forced = await fakeBuild();
    assert.equal(currentBundle(forced.root, { RESUME_INFRA_FROM_SOURCE: '1' }), undefined);
  });
});

describe('the real bundle', () => {
  test('the build lists the CLI sources and the manifests as its inputs, and is current right after', async () => {
    const built = await buildCli();
    for (const input of ['cli/main.ts', 'src/commands/up.ts', 'src/resources/distribution.ts', 'package.json', 'package-lock.json']) {
      assert.ok(built.inputs.includes(input), `${input} is an input`);
    }
    assert.ok(!built.inputs.some((input) => input.startsWith('node_modules/')));
    for (const input of built.inputs) assert.ok((await stat(join(ROOT, input))).isFile(), `${input} is a file`);
    assert.equal(currentBundle(ROOT, SOURCE_ENV), join(ROOT, BUNDLE_ENTRY));
  });

  test('a build never leaves dist/ without its build info, which a CLI started meanwhile needs to use the bundle', async () => {
    const info = join(ROOT, BUILD_INFO);
    let building = true;
    let missing = 0;
    let looks = 0;
    const watch = (async () => {
      while (building) {
        looks += 1;
        if (!existsSync(info)) missing += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      await buildCli();
    } finally {
      building = false;
      await watch;
    }
    assert.ok(looks > 10, `looked ${looks} times`);
    assert.equal(missing, 0, `build info missing in ${missing} of ${looks} looks`);
    assert.equal(currentBundle(ROOT, SOURCE_ENV), join(ROOT, BUNDLE_ENTRY));
  });

  test('no file of it imports node:http as an ES module (its facade loads undici before the first request)', async () => {
    if (!currentBundle(ROOT, SOURCE_ENV)) await buildCli();
    const files = (await readdir(join(ROOT, 'dist'), { recursive: true })).filter((file) => file.endsWith('.js'));
    assert.ok(files.length > 10);
    for (const file of files) {
      assert.doesNotMatch(await readFile(join(ROOT, 'dist', file), 'utf8'), /import\(\s*"(node:)?http"\s*\)|\bfrom\s*"(node:)?http"/, `dist/${file}`);
    }
    // The SDK's handler still gets node:http for an http:// endpoint: the real up below uses one.
  });

  test('bin runs it: --version loads dist/main.js and no TypeScript source, --help loads no AWS SDK code', async () => {
    if (!currentBundle(ROOT, SOURCE_ENV)) await buildCli();
    const version = await loadedBy(['--version'], BUNDLE_ALLOWED);
    assert.equal(version.status, 0, version.stderr);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), pkg.version);
    assert.ok(version.loaded.some((url) => url.endsWith('/dist/main.js')), 'the bundle was loaded');
    assert.deepEqual(version.loaded.filter((url) => url.endsWith('.ts')), []);

    const help = await loadedBy(['--help'], BUNDLE_ALLOWED);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^ {2}deploy-site\b/m);
    const distFiles = help.loaded.filter((url) => url.includes('/dist/')).map((url) => fileURLToPath(url));
    assert.ok(distFiles.length > 0);
    for (const file of distFiles) {
      assert.doesNotMatch(await readFile(file, 'utf8'), /node_modules\/@aws-sdk\//, `${file} holds no SDK code`);
    }
  });

  test('bin runs a real up from the bundle against the emulator', async () => {
    if (!currentBundle(ROOT, SOURCE_ENV)) await buildCli();
    const emulator = await useEmulator();
    const project = await makeProject(emulator.endpoint, { project: 'bundle-run', region: 'eu-west-1', siteDir: 'site' }, { 'site/index.html': '<!doctype html><title>t</title>' });
    const up = await loadedBy(['up', '-c', project.configPath, '--endpoint-url', emulator.endpoint], { ...BUNDLE_ALLOWED, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    assert.equal(up.status, 0, up.stderr);
    assert.deepEqual(up.loaded.filter((url) => url.endsWith('.ts')), [], 'no TypeScript source was loaded');
    const dynamodb = new DynamoDBClient({ endpoint: emulator.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const table = await dynamodb.send(new DescribeTableCommand({ TableName: 'bundle-run-counter' }));
    assert.equal(table.Table?.TableStatus, 'ACTIVE');
  });
});
