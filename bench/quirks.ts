// The time of an `up` with a domain when AWS answers "not yet" everywhere it can (issue 14): the
// quirks harness (src/aws/quirks.ts) on with every quirk, against a plain `up`, on one warm
// emulator. Each repetition resets the emulator and makes the hosted zone again; the two kinds
// alternate which goes first. Prints the medians.
//
//   npx tsx bench/quirks.ts [--reps 5] [--window-ms 1500]
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { startEmulator } from '../src/emulator.ts';
import { killAll, run } from './exec.ts';
import { median } from './stats.ts';

const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));
const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, 'window-ms': { type: 'string', default: '1500' } } });
const reps = Number(values.reps);

const emulator = await startEmulator();
const route53 = new Route53Client({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const dir = await mkdtemp(join(tmpdir(), 'bench-quirks-'));
await mkdir(join(dir, 'site'));
await writeFile(join(dir, 'site', 'index.html'), '<!doctype html><html lang="en"><title>Jane</title><h1>Jane</h1></html>\n');
await writeFile(join(dir, 'site', '404.html'), '<!doctype html><html lang="en"><title>Not found</title></html>\n');
await writeFile(join(dir, 'resume-infra.json'), JSON.stringify({ project: 'bench-quirks', region: 'eu-west-1', domain: 'resume.example.com' }));

const baseEnv: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
delete baseEnv.AWS_PROFILE;

async function timedUp(quirks: boolean): Promise<number> {
  await emulator.reset();
  await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `zone-${Date.now()}` }));
  const env = quirks ? { ...baseEnv, RESUME_INFRA_TEST_QUIRKS: 'all', RESUME_INFRA_TEST_QUIRK_MS: values['window-ms'] } : baseEnv;
  const result = await run(process.execPath, [BIN, 'up', '--yes', '--endpoint-url', emulator.endpoint], { cwd: dir, env, timeoutMs: 600_000 });
  if (result.code !== 0) throw new Error(`up ${quirks ? 'with quirks' : 'plain'} failed:\n${result.stderr}`);
  return result.ms;
}

try {
  // Warm-up: the first call to each service on a fresh emulator is slow (MOTO.md).
  await timedUp(false);
  const plain: number[] = [];
  const quirky: number[] = [];
  for (let rep = 0; rep < reps; rep += 1) {
    const order = rep % 2 === 0 ? [false, true] : [true, false];
    for (const quirks of order) (quirks ? quirky : plain).push(await timedUp(quirks));
  }
  const s = (ms: number | undefined) => `${((ms ?? NaN) / 1000).toFixed(1)} s`;
  console.log(`up with a domain, warm emulator, ${reps} repetitions, quirk window ${values['window-ms']} ms`);
  console.log(`plain:        median ${s(median(plain))}  (${plain.map((ms) => s(ms)).join(', ')})`);
  console.log(`every quirk:  median ${s(median(quirky))}  (${quirky.map((ms) => s(ms)).join(', ')})`);
} finally {
  route53.destroy();
  await killAll();
  await emulator.stop();
}
