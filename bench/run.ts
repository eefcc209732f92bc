// The side-by-side benchmark (issues 7 and 17): resume-infra against Terraform and `aws s3 sync`,
// on a local emulator, every AWS request counted by the same recording proxy for every tool.
//
//   npx tsx bench/run.ts [--reps 5] [--only stack|sync|sync-latency|startup|counter|growth] [--no-domain] [--latency 50] [--node 24] [--write]
//
// stack: the whole stack with a domain (ACM certificate, validation and alias records in a hosted
// zone the harness makes after each reset; --no-domain leaves them out), on an emulator started
// for this section alone and never warmed up, twice per repetition: direct, and with --latency
// ms (50 unless given) added by the proxy to every answer, a stand-in for the round trip to a
// real region. Each run also counts the waves on its critical path (bench/waves.ts).
// sync-latency is the site sync again with that delay: the emulator on loopback answers in about
// a millisecond and takes one request at a time, while a real S3 endpoint takes tens of ms per
// request and many at once, which is where a client's concurrency shows.
// growth: a no-change `up` of generated sites of 10, 1,000 and 10,000 files: time, requests,
// and the CLI's peak RSS (bench/rss-probe.mjs); plotted to bench/growth.svg.
// resume-infra runs on Node --node (24 unless given; .ci/node.sh fetches it), as users run it.
// The tools alternate (which goes first flips every repetition) and each figure is the median
// of the repetitions. A full run writes bench/RESULTS.md; a partial one (--only) prints its
// tables and writes RESULTS.md only with --write. Scratch files go to bench/.work/ (git-ignored).
import { appendFile, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, DeleteObjectsCommand, ListBucketsCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { currentBundle } from '../cli/bundle-check.mjs';
import { buildCli } from '../scripts/build.ts';
import { startEmulator, type Emulator } from '../src/emulator.ts';
import { buildLambdaZip } from '../src/lambda/bundle.ts';
import { killAll, run, type RunResult } from './exec.ts';
import { start, type RecordingProxy } from './proxy.ts';
import { notesOf, operationsSection, seconds, stackTable, startupTable, syncTable, type Pair } from './report.ts';
import { requestDifferences } from './request-diff.ts';
import { buildSdkAlone, type SdkAloneArgs } from './sdk-alone-build.ts';
import { growthSection, growthSvg, type GrowthResults, type GrowthRow } from './growth-report.ts';
import { cloneSite, generateSite, generateSiteRepo, SITE_FILES, type GeneratedSite } from './sitegen.ts';
import { median, medianOf, okRuns, type Measurement } from './stats.ts';
import { prepareTerraform, PROVIDER_MIRROR, resourceSeconds, STATE_BUCKET, type Terraform } from './terraform.ts';
import { CLI_ENV, lastLine, nodeFor, nodeStartMs, REGION, STACK_DOMAIN, TEST_CREDENTIALS } from './warm-stack.ts';
import { criticalWaves } from './waves.ts';

const SECTIONS = ['stack', 'sync', 'sync-latency', 'startup', 'counter', 'growth'] as const;
type Section = (typeof SECTIONS)[number];

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WORK = join(REPO, 'bench', '.work');
const LOGS = join(WORK, 'logs');
const BIN = join(REPO, 'cli', 'bin.mjs');
const STACK_PROJECT = 'bench-resume';
const TF_PROJECT = 'bench-tf';
const SYNC_PROJECT = 'bench-sync';
const AWS_SYNC_BUCKET = 'bench-sync-aws';
const STEP_TIMEOUT_MS = 10 * 60_000;

const { values: flags } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' }, only: { type: 'string' }, 'no-domain': { type: 'boolean', default: false }, write: { type: 'boolean', default: false },
    latency: { type: 'string', default: '50' }, node: { type: 'string', default: '24' },
  },
});
const latencyMs = Number(flags.latency);
if (!Number.isInteger(latencyMs) || latencyMs < 1) throw new Error(`--latency ${flags.latency} is not a positive whole number of milliseconds`);
const reps = Number(flags.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps ${flags.reps} is not a positive whole number`);
const only = flags.only;
if (only !== undefined && !(SECTIONS as readonly string[]).includes(only)) throw new Error(`--only ${only}: use one of ${SECTIONS.join(', ')}`);
const sections: Section[] = only ? [only as Section] : [...SECTIONS];
const withDomain = flags['no-domain'] !== true;
const nodeMajor = flags.node;
if (!/^\d+$/.test(nodeMajor)) throw new Error(`--node ${nodeMajor} is not a Node major version; use e.g. --node 24`);

const startedAt = Date.now();
function progress(message: string): void {
  const elapsed = Math.round((Date.now() - startedAt) / 1000);
  process.stderr.write(`[bench +${Math.floor(elapsed / 60)}m${String(elapsed % 60).padStart(2, '0')}s] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// The emulator, the proxy, and how each tool is run.

interface Bench {
  emulator: Emulator;
  proxy: RecordingProxy;
  /** An S3 client straight to the emulator, for set-up that must not be counted. */
  s3: S3Client;
  stackSite: string;
  /** The node binary resume-infra runs on (--node). */
  node: string;
  terraform?: Terraform;
  /** The config of a stack that is up, for `status`. */
  deployedConfig?: string;
}

/** What the report says about the run's tools, whichever emulator they ran against. */
interface RunContext {
  node: { binary: string; version: string };
  /** `node -e 0` on resume-infra's Node (median ms), at the start of the run and at its end: how fast the machine was. */
  nodeStart: { before: number; after?: number };
  terraform?: Terraform;
  tfInit?: RunResult;
}

/** `resume-infra <args>` as a user runs it: a new node process (on --node), every AWS call to the proxy. */
function resumeInfra(bench: Bench, args: string[], config: string | undefined, log: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const options = config ? ['-c', config, '--endpoint-url', bench.proxy.url] : [];
  return run(bench.node, [BIN, ...args, ...options], { cwd: REPO, env: { ...CLI_ENV, ...env }, logFile: join(LOGS, log), timeoutMs: STEP_TIMEOUT_MS });
}

/** Runs one step with the proxy's counts reset before it and read after it. */
async function measure(bench: Bench, step: () => Promise<RunResult>, judge: (result: RunResult) => { ok: boolean; note?: string }): Promise<Measurement & { result: RunResult }> {
  bench.proxy.reset();
  const result = await step();
  const counts = bench.proxy.counts();
  const waves = criticalWaves(bench.proxy.timeline());
  const verdict = judge(result);
  return { ms: result.ms, ok: verdict.ok, ...(verdict.note ? { note: verdict.note } : {}), counts, waves, result };
}

const exitZero = (result: RunResult) => (result.code === 0 ? { ok: true } : { ok: false, note: `exit ${result.code}: ${lastLine(result.stderr || result.stdout)}` });

async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
    if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
}

async function resetEmulator(bench: Bench): Promise<void> {
  await bench.emulator.reset();
  bench.deployedConfig = undefined;
}

async function writeConfig(name: string, project: string, siteDir: string, domain?: { name: string; hostedZone: string }): Promise<string> {
  const path = join(WORK, name, 'resume-infra.json');
  await mkdir(join(WORK, name), { recursive: true });
  const config = { project, region: REGION, siteDir, ...(domain ? { domain: domain.name, hostedZone: domain.hostedZone } : {}) };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

/** The hosted zone a domain stack needs; it exists before either tool runs, as the design requires. */
async function createHostedZone(bench: Bench): Promise<void> {
  if (!withDomain) return;
  const { Route53Client, CreateHostedZoneCommand } = await import('@aws-sdk/client-route-53');
  const route53 = new Route53Client({ endpoint: bench.emulator.endpoint, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  await route53.send(new CreateHostedZoneCommand({ Name: STACK_DOMAIN.hostedZone, CallerReference: `bench-${Date.now()}` }));
}

/** Loads each service the stack uses once, so no tool pays the emulator's first-call cost. */
async function warmUp(endpoint: string): Promise<void> {
  const config = { endpoint, region: REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 };
  const [dynamodb, ssm, iam, lambda, apigateway, cloudfront, logs, sts, route53, acm] = await Promise.all([
    import('@aws-sdk/client-dynamodb'), import('@aws-sdk/client-ssm'), import('@aws-sdk/client-iam'), import('@aws-sdk/client-lambda'),
    import('@aws-sdk/client-api-gateway'), import('@aws-sdk/client-cloudfront'), import('@aws-sdk/client-cloudwatch-logs'),
    import('@aws-sdk/client-sts'), import('@aws-sdk/client-route-53'), import('@aws-sdk/client-acm'),
  ]);
  await Promise.all([
    new S3Client(config).send(new ListBucketsCommand({})),
    new dynamodb.DynamoDBClient(config).send(new dynamodb.ListTablesCommand({})),
    new ssm.SSMClient(config).send(new ssm.DescribeParametersCommand({})),
    new iam.IAMClient(config).send(new iam.ListRolesCommand({})),
    new lambda.LambdaClient(config).send(new lambda.ListFunctionsCommand({})),
    new apigateway.APIGatewayClient(config).send(new apigateway.GetRestApisCommand({})),
    new cloudfront.CloudFrontClient(config).send(new cloudfront.ListDistributionsCommand({})),
    new logs.CloudWatchLogsClient(config).send(new logs.DescribeLogGroupsCommand({})),
    new sts.STSClient(config).send(new sts.GetCallerIdentityCommand({})),
    new route53.Route53Client(config).send(new route53.ListHostedZonesCommand({})),
    new acm.ACMClient(config).send(new acm.ListCertificatesCommand({})),
  ]);
}

// ---------------------------------------------------------------------------------------------
// (a) Stack lifecycle: resume-infra against Terraform.

/** Each tool's runs of one case. */
interface Sides {
  ours: Measurement[];
  theirs: Measurement[];
}

/** An empty record of runs for each case of a list (STACK_STEPS, SYNC_CASES). */
function emptyRuns<K extends string>(cases: ReadonlyArray<{ key: K }>): Record<K, Sides> {
  return Object.fromEntries(cases.map(({ key }): [K, Sides] => [key, { ours: [], theirs: [] }])) as Record<K, Sides>;
}

const STACK_STEPS = [
  { key: 'fresh', label: 'fresh `up` / `terraform apply`' },
  { key: 'noop', label: 'no-change `up` / `terraform apply`' },
  { key: 'plan', label: '`plan` / `terraform plan` (no changes)' },
  { key: 'destroy', label: '`destroy --yes` / `terraform destroy`' },
] as const;
type StackStep = (typeof STACK_STEPS)[number]['key'];

/** Direct, and with --latency ms added by the proxy to every answer, for both tools. */
const STACK_MODES = ['direct', 'latency'] as const;
type StackMode = (typeof STACK_MODES)[number];

interface StackResults {
  /** The delay of the latency mode, in ms. */
  latencyMs: number;
  runs: Record<StackMode, Record<StackStep, Sides>>;
  /**
   * The AWS SDK alone sending `plan`'s requests (bench/sdk-alone.ts), run right after each
   * resume-infra `plan`, so its runs line up with `runs[mode].plan.ours`. Only with a domain: the
   * script looks the hosted zone up, as `plan` does then.
   */
  sdkAlone?: Record<StackMode, Measurement[]>;
}

function planJudge(result: RunResult): { ok: boolean; note?: string } {
  if (result.code === 0) return { ok: true };
  if (result.code === 2) return { ok: true, note: 'plan found changes right after apply (exit 2)' };
  return exitZero(result);
}

/** A lifecycle of one tool in one mode: its name in logs and progress, and where its runs go. */
interface Lifecycle {
  bench: Bench;
  rep: number;
  tag: string;
  into: Record<StackStep, Sides>;
  /** With the SDK-alone baseline: how to run it (bench/sdk-alone-build.ts) and where its runs go. */
  sdkAlone?: { args: SdkAloneArgs; into: Measurement[] };
}

function stepProgress(lifecycle: Lifecycle, tool: string, key: StackStep, measurement: Measurement): void {
  const note = measurement.note ? ` — ${measurement.note}` : '';
  progress(`stack${lifecycle.tag} rep ${lifecycle.rep}/${reps} ${tool} ${key}: ${seconds(measurement.ms)}, ${measurement.counts?.total ?? 0} requests, ${measurement.waves ?? 0} waves${note}`);
}

async function resumeInfraLifecycle(lifecycle: Lifecycle, config: string, log: string): Promise<void> {
  const { bench } = lifecycle;
  await resetEmulator(bench);
  await createHostedZone(bench);
  const steps: Record<StackStep, () => Promise<RunResult>> = {
    fresh: () => resumeInfra(bench, ['up'], config, log),
    noop: () => resumeInfra(bench, ['up'], config, log),
    plan: () => resumeInfra(bench, ['plan'], config, log),
    destroy: () => resumeInfra(bench, ['destroy', '--yes'], config, log),
  };
  for (const { key } of STACK_STEPS) {
    const { result: _result, ...measurement } = await measure(bench, steps[key], key === 'plan' ? planJudge : exitZero);
    lifecycle.into[key].ours.push(measurement);
    stepProgress(lifecycle, 'resume-infra', key, measurement);
    if (key === 'plan' && lifecycle.sdkAlone) {
      const { args, into } = lifecycle.sdkAlone;
      const { result: _baseline, ...baseline } = await measure(bench, () => run(bench.node, args(bench.proxy.url, STACK_PROJECT), {
        cwd: REPO, env: CLI_ENV, logFile: join(LOGS, log), timeoutMs: STEP_TIMEOUT_MS,
      }), exitZero);
      into.push(baseline);
      progress(`stack${lifecycle.tag} rep ${lifecycle.rep}/${reps} the AWS SDK alone, plan's requests: ${seconds(baseline.ms)}, ${baseline.counts?.total ?? 0} requests, ${baseline.waves ?? 0} waves`);
    }
  }
}

async function terraformLifecycle(lifecycle: Lifecycle, terraform: Terraform): Promise<void> {
  const { bench } = lifecycle;
  await resetEmulator(bench);
  await createHostedZone(bench);
  await bench.s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET }));
  const noChange = (result: RunResult) => {
    const verdict = exitZero(result);
    if (verdict.ok && !/Resources: 0 added, 0 changed, 0 destroyed/.test(result.stdout)) return { ok: true, note: `the second apply changed something: ${lastLine(result.stdout)}` };
    return verdict;
  };
  const steps: Record<StackStep, [() => Promise<RunResult>, (result: RunResult) => { ok: boolean; note?: string }]> = {
    fresh: [terraform.apply, exitZero],
    noop: [terraform.apply, noChange],
    plan: [terraform.plan, planJudge],
    destroy: [terraform.destroy, exitZero],
  };
  for (const { key } of STACK_STEPS) {
    const [step, judge] = steps[key];
    const { result, ...measurement } = await measure(bench, step, judge);
    const run = { ...measurement, resourceSeconds: resourceSeconds(result.stdout) };
    lifecycle.into[key].theirs.push(run);
    stepProgress(lifecycle, 'terraform', key, run);
  }
}

/**
 * Runs on an emulator started for this section and never warmed up: the first lifecycle meets
 * every service cold, as a first run does; later ones find it reset but with its services loaded.
 */
async function stackBench(bench: Bench, terraform: Terraform): Promise<StackResults> {
  const config = await writeConfig('stack', STACK_PROJECT, bench.stackSite, withDomain ? STACK_DOMAIN : undefined);
  const sdkAloneArgs = withDomain ? await buildSdkAlone(join(WORK, 'sdk-alone')) : undefined;
  const sdkAloneRuns: Record<StackMode, Measurement[]> | undefined = sdkAloneArgs ? { direct: [], latency: [] } : undefined;
  const results: StackResults = { latencyMs, runs: { direct: emptyRuns(STACK_STEPS), latency: emptyRuns(STACK_STEPS) }, ...(sdkAloneRuns ? { sdkAlone: sdkAloneRuns } : {}) };
  for (let rep = 1; rep <= reps; rep++) {
    for (const [index, mode] of STACK_MODES.entries()) {
      const delay = mode === 'direct' ? 0 : latencyMs;
      const sdkAlone = sdkAloneArgs && sdkAloneRuns ? { args: sdkAloneArgs, into: sdkAloneRuns[mode] } : undefined;
      const lifecycle: Lifecycle = { bench, rep, tag: delay > 0 ? ` (+${delay} ms)` : '', into: results.runs[mode], ...(sdkAlone ? { sdkAlone } : {}) };
      // Which tool goes first flips with every lifecycle pair: ri, tf | tf, ri in the first repetition.
      const resumeInfraFirst = (rep + index) % 2 === 1;
      bench.proxy.setLatency(delay);
      try {
        for (const tool of resumeInfraFirst ? ['resume-infra', 'terraform'] : ['terraform', 'resume-infra']) {
          if (tool === 'resume-infra') await resumeInfraLifecycle(lifecycle, config, `stack-${mode}-resume-infra-${rep}.log`);
          else await terraformLifecycle(lifecycle, terraform);
        }
      } finally {
        bench.proxy.setLatency(0);
      }
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// (b) Site sync: resume-infra against `aws s3 sync`.

const SYNC_CASES = [
  { key: 'cold', label: 'cold upload (empty bucket)' },
  { key: 'noop', label: 'no changes' },
  { key: 'clone', label: 'no changes, fresh `git clone` (every mtime new)' },
  { key: 'one', label: 'one file changed' },
] as const;
type SyncCase = (typeof SYNC_CASES)[number]['key'];

interface SyncResults {
  /** Added by the proxy to every answer during the timed runs (0: none). */
  latencyMs: number;
  site: GeneratedSite;
  runs: Record<SyncCase, Sides>;
}

const SYNC_MODE = '`resume-infra deploy-site` (a new CLI process, with its state lock; it publishes a release: new and changed files uploaded, unchanged ones copied inside S3 with CopyObject, the manifest, then the function switched, and no invalidation; so "site PUTs" count uploads, and a one-file change also makes a CopyObject per other file)';

interface Syncer {
  bucket: string;
  sync(log: string): Promise<RunResult>;
}

/** `resume-infra deploy-site` on a stack made for the generated site. */
async function cliSyncer(bench: Bench, siteDir: string): Promise<Syncer> {
  const config = await writeConfig('sync', SYNC_PROJECT, siteDir);
  const up = await resumeInfra(bench, ['up'], config, 'sync-setup.log');
  if (up.code !== 0) throw new Error(`\`up\` of the sync stack failed (exit ${up.code}: ${lastLine(up.stderr)})`);
  const buckets = await bench.s3.send(new ListBucketsCommand({}));
  const bucket = (buckets.Buckets ?? []).map((entry) => entry.Name ?? '').find((name) => name.startsWith(`${SYNC_PROJECT}-site`));
  if (!bucket) throw new Error(`no bucket named ${SYNC_PROJECT}-site… after \`up\``);
  bench.deployedConfig = config;
  return { bucket, sync: (log) => resumeInfra(bench, ['deploy-site'], config, log) };
}

function awsSyncer(bench: Bench, siteDir: string): Syncer {
  return {
    bucket: AWS_SYNC_BUCKET,
    sync: (log) => run('aws', ['--endpoint-url', bench.proxy.url, 's3', 'sync', siteDir, `s3://${AWS_SYNC_BUCKET}`, '--delete', '--only-show-errors'], {
      env: CLI_ENV, logFile: join(LOGS, log), timeoutMs: STEP_TIMEOUT_MS,
    }),
  };
}

async function syncBench(bench: Bench, latency: number): Promise<SyncResults> {
  const repoDir = join(WORK, 'sync-repo');
  const siteDir = join(WORK, 'sync-site');
  progress(`generating the ${SITE_FILES}-file site`);
  const site = await generateSiteRepo(repoDir);
  await cloneSite(repoDir, siteDir);
  await resetEmulator(bench);
  const ours = await cliSyncer(bench, siteDir);
  progress(`site sync with ${SYNC_MODE}`);
  const theirs = awsSyncer(bench, siteDir);
  await bench.s3.send(new CreateBucketCommand({ Bucket: AWS_SYNC_BUCKET }));
  const editable = site.files.find((file) => file.path.startsWith('pages/'))?.path ?? 'index.html';
  const results: SyncResults = { latencyMs: latency, site, runs: emptyRuns(SYNC_CASES) };

  bench.proxy.setLatency(latency);
  try {
    for (let rep = 1; rep <= reps; rep++) await syncRepetition(bench, rep, { repoDir, siteDir, editable, ours, theirs, results });
  } finally {
    bench.proxy.setLatency(0);
  }
  return results;
}

async function syncRepetition(bench: Bench, rep: number, context: { repoDir: string; siteDir: string; editable: string; ours: Syncer; theirs: Syncer; results: SyncResults }): Promise<void> {
  const { repoDir, siteDir, editable, ours, theirs, results } = context;
  const tag = results.latencyMs > 0 ? ` (+${results.latencyMs} ms)` : '';
  await cloneSite(repoDir, siteDir);
  await emptyBucket(bench.s3, ours.bucket);
  await emptyBucket(bench.s3, AWS_SYNC_BUCKET);
  const order: Array<[Syncer, 'ours' | 'theirs']> = rep % 2 === 1 ? [[ours, 'ours'], [theirs, 'theirs']] : [[theirs, 'theirs'], [ours, 'ours']];
  for (const { key } of SYNC_CASES) {
    if (key === 'clone') await cloneSite(repoDir, siteDir);
    if (key === 'one') await appendFile(join(siteDir, editable), `\n<!-- edited in repetition ${rep} -->\n`);
    for (const [syncer, side] of order) {
      const name = side === 'ours' ? 'resume-infra' : 'aws s3 sync';
      const { result, ...measurement } = await measure(bench, () => syncer.sync(`sync${results.latencyMs > 0 ? '-latency' : ''}-${side}-${rep}.log`), exitZero);
      const sitePuts = measurement.counts?.s3ObjectPutsByBucket[syncer.bucket] ?? 0;
      results.runs[key][side].push({ ...measurement, sitePuts });
      progress(`sync${tag} rep ${rep}/${reps} ${key} ${name}: ${seconds(result.ms)}, ${sitePuts} PUTs${measurement.note ? ` — ${measurement.note}` : ''}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (c) Start-up.

interface StartupResults {
  rows: Array<{ label: string; runs: Measurement[] }>;
  note?: string;
}

async function startupBench(bench: Bench): Promise<StartupResults> {
  const count = Math.max(10, reps * 2);
  let note: string | undefined;
  let deployed = bench.deployedConfig;
  if (!deployed) {
    await resetEmulator(bench);
    deployed = await writeConfig('startup', STACK_PROJECT, bench.stackSite);
    const up = await resumeInfra(bench, ['up'], deployed, 'startup-setup.log');
    if (up.code !== 0) note = `\`up\` failed before the status runs (exit ${up.code}: ${lastLine(up.stderr)}); status ran against an empty account`;
    bench.deployedConfig = deployed;
  }
  const terraform = bench.terraform;
  const commands: Array<[string, () => Promise<RunResult>]> = [
    ['`resume-infra --help`', () => resumeInfra(bench, ['--help'], undefined, 'startup.log')],
    ['`resume-infra status` (deployed stack)', () => resumeInfra(bench, ['status'], deployed, 'startup.log')],
    ...(terraform ? [['`terraform version`', () => terraform.version()] as [string, () => Promise<RunResult>]] : []),
    ['`aws --version`', () => run('aws', ['--version'], { env: CLI_ENV, logFile: join(LOGS, 'startup.log') })],
  ];
  const rows: StartupResults['rows'] = [];
  for (const [label, command] of commands) {
    await command(); // warm-up: the page cache (and, for status, the emulator)
    const runs: Measurement[] = [];
    for (let index = 0; index < count; index++) {
      const { result: _result, ...measurement } = await measure(bench, command, exitZero);
      runs.push(measurement);
    }
    rows.push({ label, runs });
    progress(`startup ${label}: median ${median(okRuns(runs).map((run) => run.ms))?.toFixed(0) ?? '–'} ms`);
  }
  return { rows, ...(note ? { note } : {}) };
}

// ---------------------------------------------------------------------------------------------
// (d) Counter: bench/counter.ts prints its own table.

async function counterBench(): Promise<string> {
  const script = join(REPO, 'bench', 'counter.ts');
  progress('running bench/counter.ts');
  const result = await run(process.execPath, ['--import', 'tsx', script], { cwd: REPO, env: { ...process.env, ...CLI_ENV }, logFile: join(LOGS, 'counter.log'), timeoutMs: STEP_TIMEOUT_MS });
  if (result.code === 0) return result.stdout.trim();
  return `${result.stdout.trim()}\n\n(bench/counter.ts exited ${result.code}${result.stderr.trim() ? `: ${lastLine(result.stderr)}` : ''})`.trim();
}

// ---------------------------------------------------------------------------------------------
// (e) Growth: a no-change `up` as the site grows.

const GROWTH_SIZES = [10, 1000, 10_000] as const;
const GROWTH_PROJECT = 'bench-growth';
const RSS_PROBE = pathToFileURL(join(REPO, 'bench', 'rss-probe.mjs')).href;

/** The largest peak RSS (KiB) a run's processes wrote to `file` (bench/rss-probe.mjs), if any. */
async function peakRss(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const values = text.split('\n').flatMap((line) => {
    const value = Number(line.split(' ')[1]);
    return Number.isFinite(value) && value > 0 ? [value] : [];
  });
  return values.length > 0 ? Math.max(...values) : undefined;
}

async function growthBench(bench: Bench): Promise<GrowthResults> {
  const rows: GrowthRow[] = [];
  const rssDir = join(WORK, 'rss');
  await rm(rssDir, { recursive: true, force: true });
  await mkdir(rssDir, { recursive: true });
  for (const files of GROWTH_SIZES) {
    progress(`growth: the ${files}-file site`);
    const siteDir = join(WORK, `growth-site-${files}`);
    const site = await generateSite(siteDir, files);
    await resetEmulator(bench);
    await createHostedZone(bench);
    const config = await writeConfig(`growth-${files}`, GROWTH_PROJECT, siteDir, withDomain ? STACK_DOMAIN : undefined);
    const log = `growth-${files}.log`;
    const setup = await resumeInfra(bench, ['up'], config, log);
    progress(`growth ${files} files: first \`up\` ${seconds(setup.ms)} (untimed)${setup.code === 0 ? '' : `, exit ${setup.code}: ${lastLine(setup.stderr)}`}`);
    const runs: Measurement[] = [];
    for (let rep = 1; rep <= reps && setup.code === 0; rep++) {
      const rssFile = join(rssDir, `growth-${files}-${rep}.txt`);
      const env = { NODE_OPTIONS: `--import=${RSS_PROBE}`, BENCH_RSS_FILE: rssFile };
      const { result: _result, ...measurement } = await measure(bench, () => resumeInfra(bench, ['up'], config, log, env), exitZero);
      const maxRssKb = await peakRss(rssFile);
      runs.push({ ...measurement, ...(maxRssKb === undefined ? {} : { maxRssKb }) });
      progress(`growth rep ${rep}/${reps} ${files} files: ${seconds(measurement.ms)}, ${measurement.counts?.total ?? 0} requests, peak RSS ${maxRssKb === undefined ? '–' : `${((maxRssKb * 1024) / 1e6).toFixed(0)} MB`}${measurement.note ? ` — ${measurement.note}` : ''}`);
    }
    if (setup.code !== 0) runs.push({ ms: setup.ms, ok: false, note: `the first \`up\` failed (exit ${setup.code}: ${lastLine(setup.stderr)})` });
    rows.push({ files, bytes: site.bytes, setupMs: setup.ms, runs });
  }
  return { rows, domain: withDomain ? STACK_DOMAIN.name : undefined };
}

// ---------------------------------------------------------------------------------------------
// Report.

async function mirroredProviderVersions(): Promise<string[]> {
  try {
    return await readdir(join(PROVIDER_MIRROR, 'registry.terraform.io', 'hashicorp', 'aws'));
  } catch {
    return ['unknown'];
  }
}

async function versions(context: RunContext): Promise<string[]> {
  const tryRun = async (command: string, args: string[], pick: (text: string) => string | undefined) => {
    try {
      const result = await run(command, args, { env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
      return pick(`${result.stdout}\n${result.stderr}`) ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
  const tfVersion = context.terraform ? await context.terraform.version() : undefined;
  const tfText = tfVersion ? tfVersion.stdout : '';
  const packageJson = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
  return [
    `resume-infra ${packageJson.version} (commit ${await tryRun('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], (text) => text.trim().split('\n')[0])}), `
      + (currentBundle(REPO) ? 'run from the bundle in dist/ (`npm run build`)' : 'run from its TypeScript sources through tsx (dist/ missing or out of date)'),
    `node ${context.node.version} for resume-infra (\`--node ${nodeMajor}\`: ${context.node.binary}); node ${process.version} for the harness`,
    `terraform ${/Terraform v(\S+)/.exec(tfText)?.[1] ?? (await tryRun('terraform', ['version'], (text) => /Terraform v(\S+)/.exec(text)?.[1]))}`,
    `hashicorp/aws provider ${/hashicorp\/aws v(\S+)/.exec(tfText)?.[1] ?? (await mirroredProviderVersions()).join(', ')} (from ${PROVIDER_MIRROR})`,
    `aws-cli ${await tryRun('aws', ['--version'], (text) => /aws-cli\/(\S+)/.exec(text)?.[1])}`,
    `moto ${await tryRun('python3', ['-c', 'import moto; print(moto.__version__)'], (text) => text.trim().split('\n')[0])} (moto_server)`,
  ];
}

const DISTRIBUTION = 'aws_cloudfront_distribution.site';
const FUNCTION = 'aws_lambda_function.counter';

function terraformWaitNote(stack: Record<StackStep, Sides>): string | undefined {
  const waited = (step: StackStep, address: string) => medianOf(okRuns(stack[step].theirs), (run) => run.resourceSeconds?.[address]);
  const slowest = (step: StackStep) => {
    const addresses = new Set(okRuns(stack[step].theirs).flatMap((run) => Object.keys(run.resourceSeconds ?? {})));
    return [...addresses]
      .map((address) => [address, waited(step, address) ?? 0] as const)
      .filter(([, value]) => value >= 5)
      .sort((a, b) => b[1] - a[1])
      .map(([address, value]) => `${address} ${value} s`);
  };
  const created = slowest('fresh');
  const destroyed = slowest('destroy');
  if (created.length === 0 && destroyed.length === 0) return undefined;
  const lines = [
    `Terraform's slowest resources (median seconds from its "complete after" lines): created ${created.join(', ') || 'none over 5 s'}; destroyed ${destroyed.join(', ') || 'none over 5 s'}. `
      + `The emulator answers at once (a distribution is Deployed on the first read${withDomain ? ', a Route 53 change INSYNC' : ''}), so these are the provider's own polling delays: `
      + 'its distribution waiter sleeps 30 s before the first status check. Against AWS, where a distribution takes minutes to deploy, both tools wait for that.',
  ];
  const time = (step: StackStep, side: 'ours' | 'theirs') => medianOf(okRuns(stack[step][side]), (run) => run.ms);
  const without = (step: StackStep, waitSeconds: number) => {
    const theirs = time(step, 'theirs');
    const ours = time(step, 'ours');
    if (theirs === undefined || ours === undefined || ours <= 0) return '–';
    const rest = theirs - waitSeconds * 1000;
    return `${(rest / 1000).toFixed(1)} s (${(rest / ours).toFixed(1)}× resume-infra's)`;
  };
  // Without a domain, the distribution and then the function are on Terraform's critical path
  // one after the other, so their waits add up; with a domain, DNS waits overlap them.
  if (!withDomain) {
    lines.push(`Without the distribution's and the function's waits, Terraform's fresh apply would take ${without('fresh', (waited('fresh', DISTRIBUTION) ?? 0) + (waited('fresh', FUNCTION) ?? 0))}, `
      + `and its destroy without the distribution's ${without('destroy', waited('destroy', DISTRIBUTION) ?? 0)}.`);
  }
  return lines.join(' ');
}

interface Results {
  stack?: StackResults;
  sync?: SyncResults;
  syncLatency?: SyncResults;
  startup?: StartupResults;
  counter?: string;
  growth?: GrowthResults;
}

function syncSection(results: SyncResults): string[] {
  const parts: string[] = [];
  const pairs: Pair[] = SYNC_CASES.map(({ key, label }) => ({ label, ...results.runs[key] }));
  const megabytes = (results.site.bytes / 1024 ** 2).toFixed(1);
  const latency = results.latencyMs;
  if (latency > 0) {
    parts.push(
      `## Site sync with ${latency} ms a request: resume-infra vs \`aws s3 sync\``,
      '',
      `The same runs as above, but the proxy holds every answer back ${latency} ms (\`--latency ${latency}\`), standing in for the network and S3's own time per request, which the emulator on loopback does not have: `
        + 'there each request costs the emulator\'s CPU, and it answers one at a time, so no client can upload faster than it answers. '
        + 'With a per-request delay and an emulator that is no longer the limit, what shows is how many requests each tool keeps in flight.',
      '',
    );
  } else {
    parts.push('## Site sync: resume-infra vs `aws s3 sync`', '');
  }
  parts.push(
    `A generated site of ${results.site.files.length} files (${megabytes} MiB; HTML, CSS, JS, JSON, SVG, images and fonts; 1 KB–200 KB, log-uniform; seeded, so the same bytes every run), committed to a local git repository. `
      + 'Every repetition starts from a fresh `git clone` and empty buckets. "Fresh `git clone`" is a real `git clone` of that repository over the site directory: the same content, every mtime new. '
      + `"One file changed" appends a line to one HTML page. resume-infra: ${SYNC_MODE}. aws: \`aws s3 sync <dir> s3://<bucket> --delete --only-show-errors\` (aws-cli v1, default concurrency). `
      + 'Site PUTs count object uploads to the site\'s bucket only (not resume-infra\'s state and lock objects); resume-infra\'s include the `config.json` it generates, so its cold upload is one file more.',
    '',
    syncTable(pairs),
    '',
  );
  const rate = (runs: Measurement[]) => {
    const ok = okRuns(runs);
    const perSecond = median(ok.map((run) => ((run.sitePuts ?? 0) * 1000) / run.ms));
    return perSecond === undefined ? '–' : perSecond.toFixed(0);
  };
  parts.push(`Upload rate in the cold case (site PUTs per second of wall time): resume-infra ${rate(results.runs.cold.ours)}, aws s3 sync ${rate(results.runs.cold.theirs)}.${latency > 0 ? '' : ' '
    + 'Both push one emulator process, so the cold case measures the emulator\'s PutObject throughput as much as either tool.'}`, '');
  const notes = notesOf(pairs, ['resume-infra', 'aws s3 sync']);
  if (notes.length > 0) parts.push('Notes from the runs:', '', ...notes.map((note) => `- ${note}`), '');
  return parts;
}

function stackSection(stack: StackResults, context: RunContext): string[] {
  const parts: string[] = [
    '## Stack lifecycle: resume-infra vs Terraform',
    '',
    `The same stack both ways, ${withDomain ? `with a domain (${STACK_DOMAIN.name}: ACM certificate, DNS validation and A/AAAA alias records in the hosted zone ${STACK_DOMAIN.hostedZone}, which the harness makes before each tool's fresh run)` : 'without a domain (`--no-domain`)'}: `
      + 'site bucket, OAC, CloudFront distribution with the viewer-request CloudFront Function (`<project>-edge`, cloudfront-js-2.0, published) and the security-headers response headers policy (`<project>-headers`), bucket policy, '
      + 'DynamoDB table, SSM SecureString, IAM role and policy, log group, Lambda function, REST API with stage and permission, and the sample site\'s files (bench/terraform/ for Terraform, with its state in S3 and `use_lockfile`). '
      + `**Cold emulator:** one emulator (moto_server behind the project's CloudFront stand-in, src/emulator.ts) is started for this section alone and gets no warm-up calls; only \`terraform init\` (and building dist/) come before the timed runs. The first lifecycle (resume-infra's, direct) therefore meets every service's first-call cost, as a user's first run on a new machine meets the network's; the emulator is reset before each tool's fresh run, so each starts from an empty account, but moto keeps its services loaded across resets. `
      + 'Terraform\'s state bucket is made beforehand and not counted, while resume-infra bootstraps its own state bucket inside its fresh `up` (counted). '
      + `resume-infra runs on Node ${context.node.version} as \`node cli/bin.mjs <command> -c <config> --endpoint-url <proxy>\`; Terraform as \`terraform apply -auto-approve\` etc. with the provider from /opt/tf-plugins. `
      + `Each repetition runs both modes, direct and with ${stack.latencyMs} ms added by the proxy to every answer (both tools), and which tool goes first flips with every pair. `
      + '*Waves* are the requests on the run\'s critical path: the longest chain of requests each sent only after the previous one was answered (bench/waves.ts); with a delay per request, a run takes at least its waves times that delay.',
    '',
  ];
  for (const mode of STACK_MODES) {
    const pairs: Pair[] = STACK_STEPS.map(({ key, label }) => ({ label, ...stack.runs[mode][key] }));
    parts.push(mode === 'direct' ? '### Direct' : `### With ${stack.latencyMs} ms a request`, '', stackTable(pairs), '');
  }
  parts.push('### Targets (issue 17)', '', ...stackTargetLines(stack), '');
  if (stack.sdkAlone) parts.push(...sdkAloneSection(stack, stack.sdkAlone));
  const waitNote = terraformWaitNote(stack.runs.direct);
  if (waitNote) parts.push(waitNote, '');
  if (context.tfInit) parts.push(`\`terraform init\` (once per checkout, not in the table): ${seconds(context.tfInit.ms)}.`, '');
  parts.push('### How these figures differ from earlier ones', '', ...HISTORY, '');
  const notes = STACK_MODES.flatMap((mode) => notesOf(STACK_STEPS.map(({ key, label }) => ({ label: `${label}${mode === 'direct' ? '' : `, +${stack.latencyMs} ms`}`, ...stack.runs[mode][key] })), ['resume-infra', 'terraform']));
  if (notes.length > 0) parts.push('Notes from the runs:', '', ...notes.map((note) => `- ${note}`), '');
  return parts;
}

/** What each section ran against: domain, emulator, delay, Node. */
function conditions(results: Results, context: RunContext): string[] {
  const lines = [`resume-infra on Node ${context.node.version} (\`--node ${nodeMajor}\`); Terraform and the aws CLI as installed.`];
  if (results.stack) {
    lines.push(`Stack: ${withDomain ? `with a domain (${STACK_DOMAIN.name} in the hosted zone ${STACK_DOMAIN.hostedZone})` : 'without a domain'}; a **cold** emulator started for this section (no warm-up calls, no untimed run); direct and with ${results.stack.latencyMs} ms added to every request, for both tools.`);
  }
  const names = { sync: 'site sync', syncLatency: `site sync with ${latencyMs} ms a request`, startup: 'start-up', counter: 'counter', growth: 'growth' } as const;
  const warm = (['sync', 'syncLatency', 'startup', 'counter', 'growth'] as const).filter((key) => results[key] !== undefined).map((key) => names[key]);
  if (warm.length > 0) {
    const list = warm.join(', ');
    lines.push(`${list.charAt(0).toUpperCase()}${list.slice(1)}: one **warm** emulator (each service called once first), apart from the stack's; no delay per request unless the section's name says so. `
      + `${results.growth ? `Growth deploys its stacks ${withDomain ? 'with the same domain as the stack section' : 'without a domain'}; ` : ''}the sync and start-up stacks have no domain.`);
  }
  return lines;
}

/** Issue 17's targets: Terraform's median time over resume-infra's, direct and with the delay. */
const STACK_TARGETS: Record<StackStep, Record<StackMode, number>> = {
  noop: { direct: 30, latency: 25 },
  plan: { direct: 30, latency: 25 },
  fresh: { direct: 20, latency: 12 },
  destroy: { direct: 60, latency: 40 },
};

function stackTargetLines(stack: StackResults): string[] {
  const lines: string[] = [];
  for (const { key, label } of STACK_STEPS) {
    for (const mode of STACK_MODES) {
      const target = STACK_TARGETS[key][mode];
      const ours = medianOf(okRuns(stack.runs[mode][key].ours), (run) => run.ms);
      const theirs = medianOf(okRuns(stack.runs[mode][key].theirs), (run) => run.ms);
      const where = mode === 'direct' ? 'direct' : `+${stack.latencyMs} ms a request`;
      if (ours === undefined || theirs === undefined || ours <= 0) {
        lines.push(`- **FAIL** ${label}, ${where}: no successful runs to compare (target ≥ ${target}×)`);
        continue;
      }
      const ratio = theirs / ours;
      lines.push(`- **${ratio >= target ? 'PASS' : 'FAIL'}** ${label}, ${where}: ${ratio.toFixed(1)}× Terraform (${seconds(ours)} vs ${seconds(theirs)}; target ≥ ${target}×)`);
    }
  }
  return lines;
}

/**
 * The AWS SDK alone against the `plan` targets: what Terraform's `plan` over the time of bare SDK
 * clients sending the same requests comes to, in the same run and on the same emulator.
 */
function sdkAloneSection(stack: StackResults, sdkAlone: Record<StackMode, Measurement[]>): string[] {
  const rows = STACK_MODES.map((mode) => {
    const target = STACK_TARGETS.plan[mode];
    const theirs = medianOf(okRuns(stack.runs[mode].plan.theirs), (run) => run.ms);
    const ours = medianOf(okRuns(stack.runs[mode].plan.ours), (run) => run.ms);
    const alone = medianOf(okRuns(sdkAlone[mode]), (run) => run.ms);
    const requests = medianOf(okRuns(sdkAlone[mode]), (run) => run.counts?.total);
    const ratio = theirs !== undefined && alone !== undefined && alone > 0 ? theirs / alone : undefined;
    const verdict = ratio === undefined ? 'no successful runs' : `${ratio.toFixed(1)}×, ${ratio >= target ? 'would pass' : 'would fail'}`;
    return `| ${mode === 'direct' ? 'direct' : `+${stack.latencyMs} ms a request`} | ${seconds(theirs)} | ${theirs === undefined ? '–' : seconds(theirs / target)} (${target}×) | ${seconds(ours)} | ${seconds(alone)} | ${requests ?? '–'} | ${verdict} |`;
  });
  // Each baseline run against the `plan` just before it, in the same lifecycle.
  const differences = STACK_MODES.flatMap((mode) => sdkAlone[mode].flatMap((run, index) => {
    const plan = stack.runs[mode].plan.ours[index];
    return plan?.counts && run.counts ? requestDifferences(plan.counts.operations, run.counts.operations) : [];
  }));
  const failures = STACK_MODES.flatMap((mode) => sdkAlone[mode].filter((run) => !run.ok).map((run) => `${mode === 'direct' ? 'direct' : `+${stack.latencyMs} ms`}: ${run.note ?? 'failed'}`));
  return [
    '### The AWS SDK alone, with `plan`\'s requests',
    '',
    'In every resume-infra lifecycle above, right after its `plan`, [bench/sdk-alone.ts](sdk-alone.ts) sends the same requests in the same two waves (the state, STS and the hosted zone, then every other read by the ids the state records) '
      + 'with bare AWS SDK v3 clients and none of resume-infra\'s code (no config, engine, site scan or output), bundled with the CLI\'s build options and run on the same Node with its compile cache. '
      + 'It is what these reads cost by themselves on this machine and emulator, with the SDK the tool is built on: resume-infra\'s own code can bring `plan` down to this time, not below it, as long as `plan` makes these requests.',
    '',
    '| `plan` | Terraform\'s `plan` | resume-infra\'s time the target needs | resume-infra\'s `plan` | the AWS SDK alone | its requests | Terraform over the SDK alone |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    differences.length === 0
      ? 'In every repetition it made the same requests as the `plan` before it, operation by operation.'
      : `**Its requests differ from \`plan\`'s** (plan against SDK alone): ${[...new Set(differences)].join('; ')}. Update bench/sdk-alone.ts.`,
    '',
    ...(failures.length > 0 ? [`Runs of the SDK alone that failed (left out of its medians): ${failures.join('; ')}.`, ''] : []),
  ];
}

const NODE_START_RUNS = 5;

/** The median of NODE_START_RUNS `node -e 0` on `binary`. */
async function medianNodeStartMs(binary: string): Promise<number> {
  const times: number[] = [];
  for (let attempt = 0; attempt < NODE_START_RUNS; attempt++) times.push(await nodeStartMs(binary));
  return median(times) ?? Number.NaN;
}

/** What changed in the conditions since the figures RESULTS.md gave before issue 17. */
const HISTORY = [
  'Until issue 17 this file reported, for instance, 19× Terraform for a no-change `up` and 48× for a fresh one. Those figures were measured under easier conditions: '
    + '**no domain** (no certificate, validation or alias records, no hosted-zone look-ups); a **warm emulator** (`warmUp()` called every service once, and an untimed `resume-infra plan` ran before the timed runs, so no timed run paid a service\'s first-call cost or read the bundle from a cold page cache); '
    + '**no per-request delay**; an **older stack** without the CloudFront Function and the custom response headers policy (the distribution referred to the managed SecurityHeadersPolicy); and resume-infra on the harness\'s Node 20. '
    + 'On loopback, with calls that take a millisecond, Terraform\'s fixed waits dominate its time and resume-infra\'s number of calls in sequence hardly shows; a domain adds a certificate wait and dependent DNS reads to resume-infra\'s critical path, and a delay per request multiplies its waves, while Terraform\'s time is mostly its own sleeps and barely moves.',
  '',
  'Issue 17\'s own table (10.6× fresh, 11.7× no-change, 8.6× plan, 39.6× destroy directly) came from an independent run with a domain on a cold emulator, counting requests from the emulator\'s access log, before the engine, edge and headers changes. '
    + 'The tables above are that measurement made rerunnable: the same conditions, with this harness\'s proxy counting requests for both tools and the call graph of the commit named under Machine.',
  '',
  'The ratios also follow the machine\'s speed at the hour, and not evenly: resume-infra\'s no-change `up` and `plan` are mostly Node\'s start-up and CPU, Terraform\'s mostly its own waits. '
    + 'The stack section alone on commit 5704fc5 (2026-12-05), on the same 2-core machine while `node -e 0` took 60–90 ms instead of the 22 ms measured the day before, gave 20× (no-change `up`) and 13× (`plan`) directly, 23× and 18× at +50 ms: '
    + 'resume-infra\'s times were about twice those of the day before and Terraform\'s about 1.4 times, with the same requests. Compare the `node -e 0` line under Machine before comparing two runs; `npx tsx bench/ab.ts` compares two commits in one run.',
];

async function render(context: RunContext, results: Results): Promise<string> {
  const cpu = cpus();
  const parts: string[] = [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (\`npx tsx bench/run.ts --reps ${reps}${only ? ` --only ${only}` : ''}${withDomain ? '' : ' --no-domain'}${nodeMajor === '24' ? '' : ` --node ${nodeMajor}`}\`) on ${new Date().toISOString()}. `
      + `Every figure is the median of ${reps} repetitions; the tools alternate which goes first. `
      + 'In each section both tools talk to the same local emulator through the same recording proxy (bench/proxy.ts), which counts every AWS request by service and operation; '
      + 'a request is *mutating* unless its operation is a Get/List/Describe/Head (or a GET/HEAD of a REST API).',
    '',
    '## Machine',
    '',
    `- ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB memory; load average at the end ${loadavg().map((value) => value.toFixed(1)).join(' / ')}`,
    `- the machine's speed: \`node -e 0\` on resume-infra's Node took ${Math.round(context.nodeStart.before)} ms (median of ${NODE_START_RUNS}) at the start of the run${context.nodeStart.after === undefined ? '' : ` and ${Math.round(context.nodeStart.after)} ms at its end`}; compare it before comparing two runs`,
    ...(await versions(context)).map((line) => `- ${line}`),
    '',
    '## Conditions',
    '',
    ...conditions(results, context).map((line) => `- ${line}`),
    '',
  ];
  const { stack, sync } = results;
  if (stack) parts.push(...stackSection(stack, context));
  if (sync) parts.push(...syncSection(sync));
  if (results.syncLatency) parts.push(...syncSection(results.syncLatency));
  if (results.startup) {
    parts.push('## Start-up', '', `Median and minimum of ${results.startup.rows[0]?.runs.length ?? 0} runs each, after one warm-up run.`, '', startupTable(results.startup.rows), '');
    if (results.startup.note) parts.push(results.startup.note, '');
  }
  if (results.counter !== undefined) {
    // Its own output as printed: a markdown table as is, anything else as preformatted text.
    const isTable = results.counter.split('\n').some((line) => line.trimStart().startsWith('|'));
    parts.push('## Counter', '', 'From `npx tsx bench/counter.ts` (the handler called directly against the emulator\'s DynamoDB and SSM):', '', isTable ? results.counter : `\`\`\`text\n${results.counter}\n\`\`\``, '');
  }
  if (results.growth) parts.push(...growthSection(results.growth, 'growth.svg'));
  const operationParts: string[] = [];
  if (stack) operationParts.push(operationsSection(STACK_STEPS.map(({ key, label }) => ({ label, ...stack.runs.direct[key] })), ['resume-infra', 'terraform']));
  for (const synced of [sync, results.syncLatency]) {
    if (synced) operationParts.push(operationsSection(SYNC_CASES.map(({ key, label }) => ({ label: `${label}${synced.latencyMs > 0 ? `, +${synced.latencyMs} ms a request` : ''}`, ...synced.runs[key] })), ['resume-infra', 'aws s3 sync']));
  }
  if (operationParts.length > 0) {
    parts.push('## Requests by operation', '', `The most frequent operations of each run (median count, and the median total time the emulator took to answer them)${stack ? '; for the stack, its direct runs' : ''}; * marks a mutating operation.`, '', ...operationParts, '');
  }
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------

/** The node binary of --node, from .ci/node.sh (which installs it from the npm registry once). */
/** An emulator and a recording proxy in front of it; `warm` calls each service once first. */
async function openBench(node: string, stackSite: string, warm: boolean, opened: Bench[]): Promise<Bench> {
  const emulator = await startEmulator();
  const proxy = await start(emulator.endpoint).catch(async (error: unknown) => {
    await emulator.stop();
    throw error;
  });
  const s3 = new S3Client({ endpoint: emulator.endpoint, region: REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
  const bench: Bench = { emulator, proxy, s3, stackSite, node };
  opened.push(bench);
  if (warm) await warmUp(emulator.endpoint);
  return bench;
}

async function closeBench(bench: Bench): Promise<void> {
  await bench.proxy.stop();
  await bench.emulator.stop();
}

/** The Terraform work directory, its endpoint the given proxy; initialised against that emulator when `init`. */
async function setUpTerraform(bench: Bench, context: RunContext, init: boolean): Promise<Terraform> {
  // Terraform deploys the same counter zip that resume-infra builds.
  const lambdaZip = join(WORK, 'counter.zip');
  await writeFile(lambdaZip, (await buildLambdaZip()).zip);
  const terraform = await prepareTerraform({
    workDir: join(WORK, 'terraform'), endpoint: bench.proxy.url, project: TF_PROJECT, region: REGION, lambdaZip,
    viewerRequestJs: join(REPO, 'src', 'edge', 'viewer-request.js'), siteDir: bench.stackSite,
    ...(withDomain ? { domain: STACK_DOMAIN } : {}), logFile: join(LOGS, 'terraform.log'),
  });
  context.terraform = terraform;
  if (!init) return terraform;
  await bench.s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET }));
  context.tfInit = await terraform.init();
  if (context.tfInit.code !== 0) throw new Error(`terraform init failed: ${lastLine(context.tfInit.stderr)} (see ${join(LOGS, 'terraform.log')})`);
  progress(`terraform init: ${seconds(context.tfInit.ms)}`);
  return terraform;
}

async function main(): Promise<void> {
  await rm(LOGS, { recursive: true, force: true });
  await mkdir(LOGS, { recursive: true });
  const opened: Bench[] = [];
  let stopping = false;
  const cleanUp = async () => {
    await killAll();
    for (const bench of opened.splice(0)) await closeBench(bench);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    progress(`sections: ${sections.join(', ')}; ${reps} repetitions`);
    // Users run the bundle `npm ci` builds; measure that, built from the code being measured.
    if (!currentBundle(REPO)) {
      const built = await buildCli();
      progress(`built dist/ (${built.files} files) in ${seconds(built.ms)}`);
    }
    const node = await nodeFor(nodeMajor, join(LOGS, 'node.log'));
    const context: RunContext = { node, nodeStart: { before: await medianNodeStartMs(node.binary) } };
    progress(`resume-infra runs on node ${context.node.version} (${context.node.binary})`);
    const stackSite = join(WORK, 'stack-site');
    // A copy, so that edits to site/ during a run cannot change what either tool uploads.
    await rm(stackSite, { recursive: true, force: true });
    await cp(join(REPO, 'site'), stackSite, { recursive: true });

    const results: Results = {};
    if (sections.includes('stack')) {
      const cold = await openBench(context.node.binary, stackSite, false, opened);
      results.stack = await stackBench(cold, await setUpTerraform(cold, context, true));
      await closeBench(cold);
      opened.splice(opened.indexOf(cold), 1);
    }
    if (sections.some((section) => section !== 'stack')) {
      const bench = await openBench(context.node.binary, stackSite, true, opened);
      // Only `terraform version` here: no init, no AWS call.
      if (sections.includes('startup')) bench.terraform = context.terraform ?? (await setUpTerraform(bench, context, false));
      if (sections.includes('sync')) results.sync = await syncBench(bench, 0);
      if (sections.includes('sync-latency')) results.syncLatency = await syncBench(bench, latencyMs);
      if (sections.includes('startup')) results.startup = await startupBench(bench);
      if (sections.includes('counter')) results.counter = await counterBench();
      if (sections.includes('growth')) results.growth = await growthBench(bench);
    }

    context.nodeStart.after = await medianNodeStartMs(context.node.binary);
    const markdown = await render(context, results);
    process.stdout.write(`${markdown}\n`);
    const full = !only || flags.write;
    if (results.growth) {
      const svg = join(full ? join(REPO, 'bench') : WORK, 'growth.svg');
      await writeFile(svg, growthSvg(results.growth));
      progress(`wrote ${svg}`);
    }
    if (full) {
      await writeFile(join(REPO, 'bench', 'RESULTS.md'), `${markdown}\n`);
      progress('wrote bench/RESULTS.md');
    } else {
      await writeFile(join(WORK, `RESULTS-${only}.md`), `${markdown}\n`);
      progress(`wrote bench/.work/RESULTS-${only}.md (bench/RESULTS.md only on a full run or with --write)`);
    }
  } finally {
    await cleanUp();
  }
}

await main();
