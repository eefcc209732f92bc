// Crash safety of a stack with a domain, against the emulator: `up` and `destroy` killed with
// SIGKILL right after a sample of their mutating AWS calls (k = 1, every 7th, the last; every k runs
// in `npm run test:crash`), 30% of AWS calls throttled, and two machines running `up` at once.
// What exists is counted in every service (test/helpers/census.ts), never read from the state.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname, userInfo } from 'node:os';
import { censusMismatches } from './helpers/census.ts';
import { useEmulator } from './helpers/emulator.ts';
import { chosenPoints, CrashLab, sampledPoints, tail, THROTTLE_ENV } from './crash/scenarios.ts';

const lab = new CrashLab(await useEmulator());
/** Mutating calls of a clean `up` and `destroy`, and the state serial a clean `up` leaves. */
let clean: { up: number; destroy: number; upSerial: number };

before(async () => {
  clean = await lab.measureMutations();
});

describe('a killed run', () => {
  test('up killed right after a sample of its mutating AWS calls converges on the next up, after unlock when the kill left the lock', async (t) => {
    assert.ok(clean.up > 40, `a fresh up with a domain made only ${clean.up} mutating calls`);
    const points = chosenPoints(clean.up, sampledPoints(clean.up, 7));
    t.diagnostic(`fresh up: ${clean.up} mutating calls; crash points ${points.join(', ')}`);
    for (const k of points) {
      await t.test(`up killed after mutating call ${k} of ${clean.up} converges`, async () => {
        await lab.upKilledAt(k, clean.up);
      });
    }
  });

  test('destroy killed right after a sample of its mutating AWS calls finishes on the next destroy, leaving nothing of the project', async (t) => {
    assert.ok(clean.destroy > 20, `destroy of a full stack made only ${clean.destroy} mutating calls`);
    const points = chosenPoints(clean.destroy, sampledPoints(clean.destroy, 7));
    t.diagnostic(`destroy: ${clean.destroy} mutating calls; crash points ${points.join(', ')}`);
    for (const k of points) {
      await t.test(`destroy killed after mutating call ${k} of ${clean.destroy} finishes`, async () => {
        await lab.destroyKilledAt(k, clean.destroy);
      });
    }
  });
});

describe('throttling', () => {
  test('up and destroy succeed with 30% of AWS call attempts throttled, and make no duplicates', async () => {
    // GIVEN an account that throttles, for this process's runs only (the hook reads the variable per client)
    await lab.freshAccount();
    process.env[THROTTLE_ENV] = '0.3';
    try {
      // WHEN up runs
      const up = await lab.project.run('up');
      assert.equal(up.code, 0, `up under throttling failed\n${tail(up)}`);
      // THEN calls were retried (so throttling really happened) and every resource exists once
      const retried = up.calls.filter((call) => (call.attempts ?? 1) > 1);
      assert.ok(retried.length >= 10, `only ${retried.length} of ${up.calls.length} calls were retried: the throttling hook did not fire`);
      const census = await lab.census();
      assert.deepEqual(censusMismatches(census, 1), [], `not exactly one of each after a throttled up: ${JSON.stringify(census.counts)}`);
      assert.deepEqual(census.stateBucketMissing, []);

      // WHEN destroy runs, still throttled
      const destroy = await lab.project.run('destroy', '--yes');
      assert.equal(destroy.code, 0, `destroy under throttling failed\n${tail(destroy)}`);
    } finally {
      delete process.env[THROTTLE_ENV];
    }
    // THEN nothing is left
    await lab.assertDestroyed('destroy under throttling');
  });
});

describe('two machines', () => {
  test('two up runs started together: one proceeds, the other exits 1 naming the lock holder, and only the winner writes the state', async () => {
    // GIVEN a fresh account and state
    await lab.freshAccount();
    // WHEN two processes run up at the same moment
    const runs = await Promise.all([lab.spawn(['up']), lab.spawn(['up'])]);
    // THEN exactly one succeeds, and the other was refused by the lock with its holder's details
    const codes = runs.map((run) => run.code).sort();
    assert.deepEqual(codes, [0, 1], `expected one success and one refusal:\n${runs.map(tail).join('\n---\n')}`);
    const loser = runs.find((run) => run.code === 1);
    const holder = `${userInfo().username}@${hostname()}`;
    assert.match(loser?.stderr ?? '', new RegExp(`is locked by ${holder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} running \`up\` since \\S+ \\(lock id [0-9a-f-]{36}\\)`));
    // AND the state holds the winner's writes only: one version per serial, so no second writer.
    // (How many writes a clean up makes varies by a few with timing: changes made while a write is
    // in flight go together in the next one, so the serial is not compared with a clean run's.)
    const serial = await lab.stateSerial();
    assert.ok(serial > 0, 'the winner wrote no state');
    assert.equal(await lab.stateVersions(), serial, 'the state object has more versions than its serial: someone else wrote it');
    // AND nothing is duplicated, and the stack is converged
    await lab.assertConverged('after two concurrent ups');
  });
});
