// Every crash point of `destroy` of a full stack with a domain (npm run test:crash): killed with
// SIGKILL right after each of its mutating AWS calls in turn, the next `destroy --yes` (after
// `unlock` when the kill left the lock) leaves nothing named or tagged for the project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from '../helpers/emulator.ts';
import { chosenPoints, CrashLab, everyPoint } from './scenarios.ts';

const lab = new CrashLab(await useEmulator());

test('destroy killed right after any one of its mutating AWS calls finishes on the next destroy', async (t) => {
  const { destroy: n } = await lab.measureMutations();
  assert.ok(n > 20, `destroy of a full stack made only ${n} mutating calls`);
  t.diagnostic(`destroy: ${n} mutating calls`);
  let locks = 0;
  const points = chosenPoints(n, everyPoint(n));
  for (const k of points) {
    await t.test(`destroy killed after mutating call ${k} of ${n} finishes`, async () => {
      if ((await lab.destroyKilledAt(k, n)).lockLeft) locks += 1;
    });
  }
  t.diagnostic(`${points.length} crash points run; ${locks} of them left the lock`);
});
