// `npm run demo [-- --port 9000]`: the tool's main job with no AWS account. Starts the local AWS
// emulator, runs `up` against it with the example config, shows `status` and a no-change `plan`,
// then the live preview (on --port, default 8080) until Ctrl-C.
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

async function step(title: string, args: string[], emulatorEndpoint: string, expected: number[]): Promise<void> {
  process.stdout.write(`\n$ npx resume-infra ${args.join(' ')}   # ${title}\n`);
  const code = await main(['-c', config, '--endpoint-url', emulatorEndpoint, ...args], io);
  if (!expected.includes(code)) throw new Error(`resume-infra ${args.join(' ')} exited ${code}`);
}

let emulator;
try {
  emulator = await startEmulator();
} catch (error) {
  process.stderr.write(`error: ${error instanceof UserError ? error.message : String(error)}\n`);
  process.exit(1);
}
io.onInterrupt?.(() => emulator.stop());
process.stdout.write(`Local AWS emulator (moto_server) running at ${emulator.endpoint}; nothing here touches a real AWS account.\n`);
try {
  await step('what would be created', ['plan'], emulator.endpoint, [2]);
  // --yes: a demo on an empty emulator; `up` on a terminal otherwise shows this plan and asks.
  await step('create everything', ['up', '--yes'], emulator.endpoint, [0]);
  await step('what is deployed', ['status'], emulator.endpoint, [0]);
  await step('nothing left to change', ['plan'], emulator.endpoint, [0]);
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
}
