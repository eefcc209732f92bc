// Every crash point of a release deploy and of a rollback (npm run test:crash): `deploy-site` and
// `rollback` killed with SIGKILL right after each of their mutating AWS calls in turn. Right after
// the kill the function serves a complete release (its manifest exists and holds every file it
// lists), old or new, never a mix; the next run (after `unlock` when the kill left the lock)
// converges: the expected release is live and recorded, the root 404 page is its own, nothing
// incomplete is left, the newest five releases remain, and `plan` is clean.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliRun } from '../helpers/cli.ts';
import { useEmulator } from '../helpers/emulator.ts';
import { assertComplete, bucketObjects, completeIds, liveRelease, releaseDirs, type StoredSite } from '../helpers/releases.ts';
import { readText } from '../helpers/s3.ts';
import { chosenPoints, CrashLab, everyPoint, tail } from './scenarios.ts';

const lab = new CrashLab(await useEmulator());
const FUNCTION = 'crash-resume-edge';
const KEEP = 5;
let bucket = '';
let deploys = 0;

function ok(run: CliRun, what: string): void {
  assert.equal(run.code, 0, `${what} failed\n${tail(run)}`);
}

function mutations(run: CliRun): number {
  return run.calls.filter((call) => call.mutating).length;
}

/** New content for the next deploy: a changed stylesheet and 404 page, the rest unchanged. */
async function nextContent(): Promise<string> {
  deploys += 1;
  const notFound = `<!doctype html><title>Not found</title><h1>Not found (deploy ${deploys})</h1>\n`;
  await writeFile(join(lab.project.dir, 'site', 'style.css'), `body { margin: ${deploys}px; }\n`);
  await writeFile(join(lab.project.dir, 'site', '404.html'), notFound);
  return notFound;
}

async function site(): Promise<StoredSite | undefined> {
  return ((await lab.stateDocument()) as { site?: StoredSite }).site;
}

/** Right after a kill: the function serves one release, and that release is complete. */
async function assertServesComplete(context: string): Promise<string> {
  const live = await liveRelease(lab.emulator.endpoint, FUNCTION);
  assert.match(live, /^[0-9a-f]{16}$/, `${context}: the function serves no release`);
  await assertComplete(lab.s3, bucket, live, `${context}: the live release`);
  return live;
}

/** After the recovery: `expected` is live and recorded, with its 404 page at the root, and nothing is left over. */
async function assertConverged(expected: string, context: string): Promise<void> {
  const live = await liveRelease(lab.emulator.endpoint, FUNCTION);
  assert.equal(live, expected, `${context}: another release is live`);
  const manifest = await assertComplete(lab.s3, bucket, live, `${context}: the live release`);
  assert.equal((await site())?.live, live, `${context}: the state records another live release`);
  assert.equal(await readText(lab.s3, bucket, '404.html'), await readText(lab.s3, bucket, `releases/${live}/404.html`), `${context}: the root 404 page is not the live release's`);
  const objects = await bucketObjects(lab.s3, bucket);
  assert.deepEqual(releaseDirs(objects), completeIds(objects), `${context}: incomplete releases are left`);
  assert.ok(completeIds(objects).length <= KEEP, `${context}: ${completeIds(objects).length} releases kept`);
  assert.equal(manifest.id, live);
  assert.equal(await lab.lockExists(), false, `${context}: the lock is still held`);
  const plan = await lab.project.run('plan');
  assert.equal(plan.code, 0, `${context}: plan after recovery wants changes\n${plan.stdout}${plan.stderr.slice(-2000)}`);
}

/** Deploys new content cleanly and returns the new live release. */
async function deploy(): Promise<string> {
  await nextContent();
  ok(await lab.project.run('deploy-site'), 'a clean deploy-site');
  return liveRelease(lab.emulator.endpoint, FUNCTION);
}

before(async () => {
  await lab.cleanUp();
  bucket = ((await lab.stateDocument()).resources?.siteBucket?.outputs?.bucketName) ?? '';
  assert.ok(bucket, 'no site bucket recorded');
  // Past keepReleases, so that every measured deploy also prunes one release.
  for (let n = 0; n < KEEP; n++) await deploy();
});

test('deploy-site killed right after any one of its mutating AWS calls leaves a complete release live, and the next run converges', async (t) => {
  await nextContent();
  const measured = await lab.project.run('deploy-site');
  ok(measured, 'the measured deploy-site');
  const n = mutations(measured);
  assert.ok(n >= 10, `a one-file release made only ${n} mutating calls`);
  t.diagnostic(`a release deploy (2 files changed, 1 release pruned): ${n} mutating calls`);
  for (const k of chosenPoints(n, everyPoint(n))) {
    await t.test(`deploy-site killed after mutating call ${k} of ${n}`, async () => {
      const context = `deploy-site killed after mutating call ${k} of ${n}`;
      const before = await liveRelease(lab.emulator.endpoint, FUNCTION);
      await nextContent();
      await lab.crash(['deploy-site'], k, context);
      const serving = await assertServesComplete(context);
      const lockLeft = await lab.lockExists();
      await lab.recover(['deploy-site'], lockLeft, context);
      const after = await liveRelease(lab.emulator.endpoint, FUNCTION);
      assert.notEqual(after, before, `${context}: the new release never went live`);
      assert.ok(serving === before || serving === after, `${context}: the function served a third release`);
      await assertConverged(after, context);
    });
  }
});

test('rollback killed right after any one of its mutating AWS calls leaves a complete release live, and the next run converges on the release before', async (t) => {
  const newest = await deploy();
  const measured = await lab.project.run('rollback');
  ok(measured, 'the measured rollback');
  const n = mutations(measured);
  t.diagnostic(`a rollback: ${n} mutating calls`);
  assert.ok(n >= 4, `a rollback made only ${n} mutating calls`);
  ok(await lab.project.run('rollback', newest), 'back to the newest release');
  for (const k of chosenPoints(n, everyPoint(n))) {
    await t.test(`rollback killed after mutating call ${k} of ${n}`, async () => {
      const context = `rollback killed after mutating call ${k} of ${n}`;
      const before = await liveRelease(lab.emulator.endpoint, FUNCTION);
      const target = await expectedPredecessor(before);
      await lab.crash(['rollback'], k, context);
      const serving = await assertServesComplete(context);
      assert.ok(serving === before || serving === target, `${context}: the function served ${serving}, neither ${before} nor ${target}`);
      const lockLeft = await lab.lockExists();
      // A kill before the state write: `rollback` again must finish this one, not go a release further.
      // After it, the rollback is done and only the lock is left, so the user names the release.
      const recorded = (await site())?.live === target;
      await lab.recover(recorded ? ['rollback', target] : ['rollback'], lockLeft, context);
      await assertConverged(target, context);
      assert.equal((await site())?.rolledBackFrom, before, `${context}: the rollback's starting point is not recorded`);
      // Back to the newest release for the next crash point.
      ok(await lab.project.run('rollback', before), 'back to the newest release');
    });
  }
});

/** The release created just before `id`, from `releases --json`. */
async function expectedPredecessor(id: string): Promise<string> {
  const listed = await lab.project.run('releases', '--json');
  ok(listed, 'releases --json');
  const ids = (JSON.parse(listed.stdout) as { releases: Array<{ id: string }> }).releases.map((release) => release.id);
  const index = ids.indexOf(id);
  const target = ids[index + 1];
  assert.ok(index >= 0 && target, `no release before ${id} in ${ids.join(', ')}`);
  return target;
}
