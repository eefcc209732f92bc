// `npm run demo [-- --port 9000]`: the tool's main job with no AWS account. Starts the local AWS
// emulator, runs `up` against it with the example config, shows `status` and a no-change `plan`;
// then releases: deploys an edited copy of the site (a new release), lists the releases, rolls
// back, lists them again and ends with a no-change `plan`; then the live preview (on --port,
// default 8080) until Ctrl-C.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnUnsupportedNode, quietSdkNode20Notice } from '../cli/node-version.mjs';
import { parseArgs } from 'node:util';
import { main, processIo } from '../cli/main.ts';
import { startEmulator } from '../src/emulator.ts';
import { UserError } from '../src/errors.ts';

exitOnUnsupportedNode();

const config = fileURLToPath(new URL('../examples/resume-infra.example.json', import.meta.url));

process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
quietSdkNode20Notice();

let port: string | undefined;
try {
  ({ values: { port } } = parseArgs({ options: { port: { type: 'string' } }, strict: true }));
} catch (error) {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}; the demo takes only --port <port>, e.g. npm run demo -- --port 9000\n`);
  process.exit(1);
}

const io = processIo();

async function step(title: string, args: string[], emulatorEndpoint: string, expected: number[], configPath = config): Promise<void> {
  const shown = configPath === config ? args : ['-c', configPath, ...args];
  process.stdout.write(`\n$ npx resume-infra ${shown.join(' ')}   # ${title}\n`);
  const code = await main(['-c', configPath, '--endpoint-url', emulatorEndpoint, ...args], io);
  if (!expected.includes(code)) throw new Error(`resume-infra ${args.join(' ')} exited ${code}`);
}

/** A copy of the example's site with its <h1> changed, and a config (same project) that deploys it. */
async function editedCopy(dir: string): Promise<string> {
  const example = JSON.parse(await readFile(config, 'utf8')) as { siteDir?: string };
  const siteDir = join(dir, 'site');
  await cp(resolve(config, '..', example.siteDir ?? 'site'), siteDir, { recursive: true, filter: (source) => !source.endsWith('config.json') });
  const index = join(siteDir, 'index.html');
  const html = await readFile(index, 'utf8');
  const edited = html.replace(/<h1>([^<]*)<\/h1>/, '<h1>$1 (edited for the demo)</h1>');
  if (edited === html) throw new Error(`${index} has no <h1> to edit`);
  await writeFile(index, edited);
  const editedConfig = join(dir, 'resume-infra.json');
  await writeFile(editedConfig, `${JSON.stringify({ ...example, siteDir }, null, 2)}\n`);
  return editedConfig;
}

let emulator;
try {
  emulator = await startEmulator();
} catch (error) {
  process.stderr.write(`error: ${error instanceof UserError ? error.message : String(error)}\n`);
  process.exit(1);
}
const demoDir = await mkdtemp(join(tmpdir(), 'resume-infra-demo-'));
io.onInterrupt?.(async () => {
  await emulator.stop();
  await rm(demoDir, { recursive: true, force: true });
});
process.stdout.write(`Local AWS emulator (moto_server) running at ${emulator.endpoint}; nothing here touches a real AWS account.\n`);
try {
  await step('what would be created', ['plan'], emulator.endpoint, [2]);
  // --yes: a demo on an empty emulator; `up` on a terminal otherwise shows this plan and asks.
  await step('create everything', ['up', '--yes'], emulator.endpoint, [0]);
  await step('what is deployed', ['status'], emulator.endpoint, [0]);
  await step('nothing left to change', ['plan'], emulator.endpoint, [0]);
  process.stdout.write('\nReleases: each deploy whose files changed is a new release, and going back is one function update.\n');
  const editedConfig = await editedCopy(demoDir);
  await step('deploy an edited copy of the site: a new release, unchanged files copied', ['deploy-site'], emulator.endpoint, [0], editedConfig);
  await step('the releases, the edited one live', ['releases'], emulator.endpoint, [0]);
  await step('back to the previous release, with no upload', ['rollback'], emulator.endpoint, [0]);
  await step('the releases again', ['releases'], emulator.endpoint, [0]);
  await step('nothing left to change: the live release is the site as it is', ['plan'], emulator.endpoint, [0]);
  if (process.env.RESUME_INFRA_DEMO_NO_PREVIEW) {
    process.stdout.write('\nDemo finished. To deploy for real: write resume-infra.json and run `npx resume-infra up` with AWS credentials.\n');
  } else {
    process.stdout.write('\nNow the local preview: open the URL below; edit site/ and reload to see your change. Ctrl-C ends the demo.\n');
    // dev runs until Ctrl-C; its interrupt handler stops the preview, and the emulator via process exit.
    await step('local preview', ['dev', ...(port === undefined ? [] : ['--port', port])], emulator.endpoint, [0]);
  }
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await emulator.stop();
  await rm(demoDir, { recursive: true, force: true });
}
