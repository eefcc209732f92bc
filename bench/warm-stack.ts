// What the benchmark scripts share: the Node binary resume-infra runs on, and the warm stack that
// floor.ts and ab.ts time (the stack section's stack, with its domain, on one emulator behind the
// recording proxy, its hosted zone made first as the design requires).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { startEmulator, type Emulator } from '../src/emulator.ts';
import { run, type RunResult } from './exec.ts';
import { start, type RecordingProxy } from './proxy.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const STACK_DOMAIN = { name: 'resume.bench-example.com', hostedZone: 'bench-example.com' };

/** The environment resume-infra runs in: the emulator's credentials, and nothing of the caller's AWS set-up. */
export const CLI_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** The last non-empty line of a command's output, at most 300 characters: what an error message quotes. */
export function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((line) => line.trim() !== '');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

export function mustSucceed(what: string, result: RunResult): RunResult {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}: ${lastLine(result.stderr || result.stdout)}`);
  return result;
}

/** Node `major` from .ci/node.sh (installed once from the npm registry when the machine has another). */
export async function nodeFor(major: string, logFile?: string): Promise<{ binary: string; version: string }> {
  const located = await run('bash', [join(REPO, '.ci', 'node.sh'), major], { cwd: REPO, logFile });
  const binDir = located.stdout.trim().split('\n').pop() ?? '';
  if (located.code !== 0 || binDir === '') throw new Error(`.ci/node.sh ${major} failed: ${lastLine(located.stderr)}${logFile ? ` (see ${logFile})` : ''}`);
  const binary = join(binDir, 'node');
  const version = (await run(binary, ['--version'])).stdout.trim();
  if (!version.startsWith(`v${major}.`)) throw new Error(`${binary} is ${version || 'not runnable'}, not Node ${major}`);
  return { binary, version };
}

/** One `node -e 0` on `binary`, in ms: the Node binary's own start and exit, a measure of the machine's speed. */
export async function nodeStartMs(binary: string): Promise<number> {
  return mustSucceed(`${binary} -e 0`, await run(binary, ['-e', '0'], { env: CLI_ENV })).ms;
}

export interface WarmStack {
  /** The project's resume-infra.json. */
  config: string;
  emulator: Emulator;
  proxy: RecordingProxy;
  close(): Promise<void>;
}

/**
 * A new emulator behind the recording proxy, with the stack's hosted zone, and a config for
 * `project` (site/, with the domain) written in `dir`. Nothing is deployed yet.
 */
export async function openWarmStack(project: string, dir: string): Promise<WarmStack> {
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'resume-infra.json');
  const document = { project, region: REGION, siteDir: join(REPO, 'site'), domain: STACK_DOMAIN.name, hostedZone: STACK_DOMAIN.hostedZone };
  await writeFile(config, `${JSON.stringify(document, null, 2)}\n`);
  const emulator = await startEmulator();
  let proxy: RecordingProxy | undefined;
  try {
    proxy = await start(emulator.endpoint);
    const route53 = new Route53Client({ endpoint: emulator.endpoint, region: REGION, credentials: TEST_CREDENTIALS });
    await route53.send(new CreateHostedZoneCommand({ Name: STACK_DOMAIN.hostedZone, CallerReference: `${project}-${Date.now()}` }));
  } catch (error) {
    await proxy?.stop();
    await emulator.stop();
    throw error;
  }
  const opened = proxy;
  return {
    config, emulator, proxy: opened,
    async close() {
      await opened.stop();
      await emulator.stop();
    },
  };
}
