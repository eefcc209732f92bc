// Every crash point of a fresh `up` with a domain (npm run test:crash): killed with SIGKILL right
// after each of its mutating AWS calls in turn, the next `up` (after `unlock` when the kill left the
// lock) converges to exactly one of each resource, and `plan` is clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from '../helpers/emulator.ts';
import { chosenPoints, CrashLab, everyPoint } from './scenarios.ts';

const lab = new CrashLab(await useEmulator());

test('up killed right after any one of its mutating AWS calls converges on the next up', async (t) => {
  const { up: n } = await lab.measureMutations();
  assert.ok(n > 40, `a fresh up with a domain made only ${n} mutating calls`);
  t.diagnostic(`fresh up: ${n} mutating calls`);
  let locks = 0;
  const points = chosenPoints(n, everyPoint(n));
  for (const k of points) {
    await t.test(`up killed after mutating call ${k} of ${n} converges`, async () => {
      if ((await lab.upKilledAt(k, n)).lockLeft) locks += 1;
    });
  }
  t.diagnostic(`${points.length} crash points run; ${locks} of them left the lock`);
});
