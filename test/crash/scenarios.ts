// The crash-safety scenarios shared by test/crash.test.ts (a sample of crash points, in `npm test`)
// and test/crash/*-every-step.test.ts (every crash point, in `npm run test:crash`): kill `up` or
// `destroy` with SIGKILL right after its k-th mutating AWS call, recover the way a user would, and
// count what exists in every service. No node:test imports here.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import type { Emulator } from '../../src/emulator.ts';
import { makeProject, type CliRun, type TestProject } from '../helpers/cli.ts';
import { censusMismatches, domainCensus, takeCensus, type Census, type CensusTarget } from '../helpers/census.ts';
import { ACCOUNT } from '../helpers/emulator.ts';
import { objectExists, readJson, stateBucket } from '../helpers/s3.ts';
import { NOT_KILLED_PREFIX } from '../../src/aws/test-hooks.ts';

const PROJECT = 'crash-resume';
const REGION = 'eu-west-1';
const ZONE = 'example.com';
const DOMAIN = `resume.${ZONE}`;
const CONFIG = { project: PROJECT, region: REGION, domain: DOMAIN };
/** The domain the domain-change scenario moves to. */
const NEW_DOMAIN = `cv.${ZONE}`;
/** The name the redirect-change scenario adds or removes. */
const REDIRECT = `www.${ZONE}`;
const STATE_BUCKET = stateBucket(REGION);
const STATE_KEY = `${PROJECT}/state.json`;
const LOCK_KEY = `${STATE_KEY}.lock`;
const CRASH_ENV = 'RESUME_INFRA_TEST_CRASH_AFTER_MUTATION';
export const THROTTLE_ENV = 'RESUME_INFRA_TEST_THROTTLE_RATE';

/** `unlock <id>` as the locked-out run prints it. */
const UNLOCK_ADVICE = /is locked by \S+ running `(up|destroy|deploy-site|rollback)` since \S+ \(lock id ([0-9a-f-]{36})\); wait for it to finish, or if no run is active, run `npx resume-infra -c \S+ --endpoint-url \S+ unlock ([0-9a-f-]{36})`/;

interface StoredState {
  serial?: number;
  resources?: Record<string, { outputs?: Record<string, string> }>;
  outputs?: Record<string, string>;
}

export class CrashLab {
  readonly s3: S3Client;
  private readonly route53: Route53Client;
  private testProject: TestProject | undefined;
  /** The state's shape after a clean `up` (see stateShape), once measureMutations ran. */
  private cleanStateShape: string[] | undefined;

  constructor(readonly emulator: Emulator) {
    const base = { endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
    this.s3 = new S3Client({ ...base, region: REGION, forcePathStyle: true });
    this.route53 = new Route53Client({ ...base, region: 'us-east-1' });
  }

  /** The project directory (config and site), made by the first freshAccount(). */
  get project(): TestProject {
    if (!this.testProject) throw new Error('CrashLab.freshAccount() must run before the project is used');
    return this.testProject;
  }

  get target(): CensusTarget {
    return this.targetFor(DOMAIN);
  }

  private targetFor(domain: string): CensusTarget {
    return { endpoint: this.emulator.endpoint, project: PROJECT, region: REGION, account: ACCOUNT, domain, stateBucket: STATE_BUCKET, stateKey: STATE_KEY };
  }

  /** Rewrites the project's config with this domain (and these redirect names; none by default, the domain being below its zone's apex). */
  async useDomain(domain: string, redirectFrom?: string[]): Promise<void> {
    await writeFile(this.project.configPath, JSON.stringify({ ...CONFIG, domain, ...(redirectFrom ? { redirectFrom } : {}) }, null, 2));
  }

  /** An empty account holding only the hosted zone (the one thing the user makes by hand). */
  async freshAccount(): Promise<void> {
    await this.emulator.reset();
    await this.route53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `${ZONE}-${Date.now()}-${Math.random()}` }));
    this.testProject ??= await makeProject(this.emulator.endpoint, CONFIG);
  }

  /** The real binary in its own process, so that SIGKILL takes only it. */
  spawn(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    return this.project.spawn(args, env);
  }

  lockExists(): Promise<boolean> {
    return objectExists(this.s3, STATE_BUCKET, LOCK_KEY);
  }

  async lockId(): Promise<string> {
    return (await readJson<{ id?: string }>(this.s3, STATE_BUCKET, LOCK_KEY)).id ?? '';
  }

  stateDocument(): Promise<StoredState> {
    return readJson<StoredState>(this.s3, STATE_BUCKET, STATE_KEY);
  }

  async stateSerial(): Promise<number> {
    return (await this.stateDocument()).serial ?? -1;
  }

  /** What the state records, without ids and times: which resources, and which output keys each has. */
  async stateShape(): Promise<string[]> {
    const document = await this.stateDocument();
    const resources = Object.entries(document.resources ?? {}).map(([name, recorded]) => `${name}: ${Object.keys(recorded.outputs ?? {}).sort().join(',')}`);
    return [...resources, `outputs: ${Object.keys(document.outputs ?? {}).sort().join(',')}`].sort();
  }

  /** How many times the state object was written: its versions in the versioned state bucket. */
  async stateVersions(): Promise<number> {
    const listed = await this.s3.send(new ListObjectVersionsCommand({ Bucket: STATE_BUCKET, Prefix: STATE_KEY }));
    return (listed.Versions ?? []).filter((version) => version.Key === STATE_KEY).length;
  }

  census(domain = DOMAIN): Promise<Census> {
    return takeCensus(this.targetFor(domain));
  }

  /**
   * Runs `args` in-process the way a user recovers from a crash: when the crash left the lock, the
   * first attempt must refuse with the holder and the exact `unlock` command, which is then run.
   */
  async recover(args: string[], lockLeft: boolean, context: string): Promise<void> {
    if (lockLeft) {
      const id = await this.lockId();
      const refused = await this.project.run(...args);
      assert.equal(refused.code, 1, `${context}: ${args.join(' ')} ran over a stale lock\n${tail(refused)}`);
      const match = UNLOCK_ADVICE.exec(refused.stderr);
      assert.ok(match, `${context}: the refusal names no lock holder and unlock command:\n${tail(refused)}`);
      assert.equal(match[3], id, `${context}: the unlock command names another lock id than the one in S3`);
      const unlocked = await this.project.run('unlock', match[3] ?? '');
      assert.equal(unlocked.code, 0, `${context}: unlock ${id} failed\n${tail(unlocked)}`);
      assert.equal(await this.lockExists(), false, `${context}: unlock left the lock object`);
    }
    const run = await this.project.run(...args);
    assert.equal(run.code, 0, `${context}: ${args.join(' ')} after the crash failed\n${tail(run)}`);
  }

  /** Every kind exactly once, the state bucket complete, the state written and unlocked, and `plan` clean. */
  async assertConverged(context: string, domain = DOMAIN): Promise<void> {
    const cleanShape = this.cleanStateShape;
    assert.ok(cleanShape, `${context}: CrashLab.measureMutations() must run before assertConverged(), which compares the state with a clean up's`);
    const census = await this.census(domain);
    assert.deepEqual(censusMismatches(census, 1), [], `${context}: not exactly one of each: ${JSON.stringify(census.counts)}`);
    assert.equal(census.stateBucket, true, `${context}: no state bucket`);
    assert.deepEqual(census.stateBucketMissing, [], `${context}: the state bucket's bootstrap is incomplete`);
    assert.equal(census.stateObject, true, `${context}: no state object`);
    assert.deepEqual(await this.stateShape(), cleanShape, `${context}: the state records other resources or outputs than after a clean up`);
    assert.equal(census.lock, false, `${context}: the lock is still held after a successful run`);
    const plan = await this.project.run('plan');
    assert.equal(plan.code, 0, `${context}: plan after recovery wants changes (exit ${plan.code})\n${plan.stdout}${plan.stderr.slice(-2000)}`);
  }

  /** Nothing of the project left in any service; the state bucket stays, without state or lock. */
  async assertDestroyed(context: string): Promise<void> {
    const census = await this.census();
    assert.deepEqual(censusMismatches(census, 0), [], `${context}: left behind: ${JSON.stringify(census.counts)}`);
    assert.deepEqual(census.tagged, [], `${context}: still tagged for the project`);
    assert.equal(census.stateBucket, true, `${context}: the state bucket is deleted, but destroy keeps it by design`);
    assert.equal(census.stateObject, false, `${context}: the state object survived destroy`);
    assert.equal(census.lock, false, `${context}: the lock survived destroy`);
  }

  /** A clean `up` of a fresh account, in-process, with its call log. */
  async cleanUp(): Promise<CliRun> {
    await this.freshAccount();
    const run = await this.project.run('up', '--yes');
    assert.equal(run.code, 0, `a clean up failed\n${tail(run)}`);
    return run;
  }

  /**
   * Kills a spawned `command` right after its k-th mutating call; asserts it died by SIGKILL, or
   * that it made fewer than k mutating calls and finished cleanly: a run's count varies by a few
   * with timing (state writes made while one is in flight are coalesced), so the last points of a
   * reference run may not exist in this one; every point it does have is a kill.
   */
  async crash(command: string[], k: number, context: string): Promise<void> {
    const crashed = await this.spawn(command, { [CRASH_ENV]: String(k) });
    if (crashed.signal === 'SIGKILL') return;
    const made = crashed.stderr.split('\n').find((line) => line.startsWith(NOT_KILLED_PREFIX));
    const count = made === undefined ? undefined : Number(made.slice(NOT_KILLED_PREFIX.length));
    assert.ok(crashed.code === 0 && count !== undefined && count < k, `${context}: the run was not killed (exit ${crashed.code}, ${count ?? 'unknown'} mutating calls)\n${crashed.stderr.slice(-2000)}`);
  }

  /** Fresh account, `up` killed after mutating call k, then `up` again (after unlock when needed) must converge. */
  async upKilledAt(k: number, n: number): Promise<{ lockLeft: boolean }> {
    const context = `up killed after mutating call ${k} of ${n}`;
    await this.freshAccount();
    await this.crash(['up', '--yes'], k, context);
    const lockLeft = await this.lockExists();
    await this.recover(['up', '--yes'], lockLeft, context);
    await this.assertConverged(context);
    return { lockLeft };
  }

  /** The number of mutating calls of `up` after the domain changed from DOMAIN to NEW_DOMAIN. */
  async measureDomainChange(): Promise<number> {
    await this.cleanUp();
    this.cleanStateShape = await this.stateShape();
    await this.useDomain(NEW_DOMAIN);
    const change = await this.project.run('up', '--yes');
    assert.equal(change.code, 0, `up after the domain change failed\n${tail(change)}`);
    await this.assertDomainChanged('a clean domain change');
    return mutations(change);
  }

  /**
   * `up` with DOMAIN, then the config moves to NEW_DOMAIN and `up` is killed after mutating call
   * k; the next `up` must leave exactly NEW_DOMAIN's certificate and records, nothing of DOMAIN.
   */
  async domainChangeKilledAt(k: number, n: number): Promise<{ lockLeft: boolean }> {
    const context = `domain change killed after mutating call ${k} of ${n}`;
    await this.useDomain(DOMAIN);
    await this.cleanUp();
    await this.useDomain(NEW_DOMAIN);
    await this.crash(['up', '--yes'], k, context);
    const lockLeft = await this.lockExists();
    await this.recover(['up', '--yes'], lockLeft, context);
    await this.assertDomainChanged(context);
    return { lockLeft };
  }

  private async assertDomainChanged(context: string): Promise<void> {
    await this.assertConverged(context, NEW_DOMAIN);
    const old = await domainCensus(this.targetFor(DOMAIN), DOMAIN);
    assert.deepEqual(old, { certificates: 0, validationRecords: 0, aRecords: 0, aaaaRecords: 0 }, `${context}: left of ${DOMAIN}`);
    const certificates = (await this.census(NEW_DOMAIN)).tagged.filter((arn) => arn.includes(':acm:'));
    assert.equal(certificates.length, 1, `${context}: certificates tagged for the project: ${certificates.join(', ')}`);
    const document = await this.stateDocument() as { retired?: unknown[] };
    assert.equal(document.retired, undefined, `${context}: the state still lists retired instances`);
  }

  /** The number of mutating calls of `up` when REDIRECT is added to the config (`add`) or removed from it. */
  async measureRedirectChange(add: boolean): Promise<number> {
    await this.freshAccount(); // makes the project on the first call
    await this.useDomain(DOMAIN, add ? [] : [REDIRECT]);
    await this.cleanUp();
    this.cleanStateShape = await this.stateShape();
    await this.useDomain(DOMAIN, add ? [REDIRECT] : []);
    const change = await this.project.run('up', '--yes');
    assert.equal(change.code, 0, `up after the redirect change failed\n${tail(change)}`);
    await this.assertRedirect('a clean redirect change', add);
    return mutations(change);
  }

  /**
   * `up` with or without REDIRECT, then the config adds (`add`) or removes it and `up` is killed
   * after mutating call k; the next `up` must leave exactly what the new config asks for.
   */
  async redirectChangeKilledAt(k: number, n: number, add: boolean): Promise<{ lockLeft: boolean }> {
    const context = `redirect ${add ? 'added' : 'removed'}, killed after mutating call ${k} of ${n}`;
    await this.useDomain(DOMAIN, add ? [] : [REDIRECT]);
    await this.cleanUp();
    await this.useDomain(DOMAIN, add ? [REDIRECT] : []);
    await this.crash(['up', '--yes'], k, context);
    const lockLeft = await this.lockExists();
    await this.recover(['up', '--yes'], lockLeft, context);
    await this.assertRedirect(context, add);
    return { lockLeft };
  }

  /** Converged on DOMAIN, one certificate that covers REDIRECT exactly when it is wanted, and REDIRECT's records exactly then. */
  private async assertRedirect(context: string, present: boolean): Promise<void> {
    await this.assertConverged(context, DOMAIN);
    const expected = present ? 1 : 0;
    const records = await domainCensus(this.targetFor(REDIRECT), REDIRECT);
    assert.deepEqual(records, { certificates: 0, validationRecords: expected, aRecords: expected, aaaaRecords: expected }, `${context}: what exists for ${REDIRECT}`);
    const certificates = (await this.census(DOMAIN)).tagged.filter((arn) => arn.includes(':acm:'));
    assert.equal(certificates.length, 1, `${context}: certificates tagged for the project: ${certificates.join(', ')}`);
    const acm = new ACMClient({ endpoint: this.emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', maxAttempts: 1 });
    try {
      const names = (await acm.send(new DescribeCertificateCommand({ CertificateArn: certificates[0] }))).Certificate?.SubjectAlternativeNames ?? [];
      assert.equal(names.includes(REDIRECT), present, `${context}: the certificate covers ${names.join(', ')}`);
    } finally {
      acm.destroy();
    }
    const document = await this.stateDocument() as { retired?: unknown[] };
    assert.equal(document.retired, undefined, `${context}: the state still lists retired instances`);
  }

  /** A full `up`, `destroy` killed after mutating call k, then `destroy --yes` again must leave nothing. */
  async destroyKilledAt(k: number, n: number): Promise<{ lockLeft: boolean }> {
    const context = `destroy killed after mutating call ${k} of ${n}`;
    await this.cleanUp();
    await this.crash(['destroy', '--yes'], k, context);
    const lockLeft = await this.lockExists();
    await this.recover(['destroy', '--yes'], lockLeft, context);
    await this.assertDestroyed(context);
    return { lockLeft };
  }

  /** The number of mutating calls of a clean `up` and of the `destroy` after it. */
  async measureMutations(): Promise<{ up: number; destroy: number; upSerial: number }> {
    const up = await this.cleanUp();
    const upSerial = await this.stateSerial();
    this.cleanStateShape = await this.stateShape();
    const destroy = await this.project.run('destroy', '--yes');
    assert.equal(destroy.code, 0, `a clean destroy failed\n${tail(destroy)}`);
    return { up: mutations(up), destroy: mutations(destroy), upSerial };
  }
}

function mutations(run: CliRun): number {
  return run.calls.filter((call) => call.mutating).length;
}

/** k = 1, every `step`-th after it, and the last. */
export function sampledPoints(n: number, step: number): number[] {
  const points: number[] = [];
  for (let k = 1; k <= n; k += step) points.push(k);
  if (points.at(-1) !== n) points.push(n);
  return points;
}

export function everyPoint(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index + 1);
}

/** Set to e.g. `1,5,20-25` to rerun only those crash points while debugging one. */
const POINTS_ENV = 'RESUME_INFRA_TEST_CRASH_POINTS';

/** The crash points `POINTS_ENV` names (within 1..n), else `fallback`. */
export function chosenPoints(n: number, fallback: number[]): number[] {
  const raw = process.env[POINTS_ENV];
  if (!raw) return fallback;
  const chosen = raw.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) throw new Error(`${POINTS_ENV}: "${part}" is not a crash point or range`);
    return everyPoint(n).filter((k) => k >= from && k <= (to ?? from));
  });
  return [...new Set(chosen)].sort((a, b) => a - b);
}

export function tail(run: { code: number | null; stdout: string; stderr: string }): string {
  return `exit ${run.code}\nstdout: ${run.stdout.slice(-1500)}\nstderr: ${run.stderr.slice(-3000)}`;
}
