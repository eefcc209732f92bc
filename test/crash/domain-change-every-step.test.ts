// Every crash point of a domain change (npm run test:crash): `up` with one domain, then the config
// moves to another and `up` is killed with SIGKILL right after each of its mutating AWS calls in
// turn. The next `up` (after `unlock` when the kill left the lock) must leave exactly the new
// domain's certificate, validation record and alias records, nothing of the old one, and a clean plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from '../helpers/emulator.ts';
import { chosenPoints, CrashLab, everyPoint } from './scenarios.ts';

const lab = new CrashLab(await useEmulator());

test('a domain change killed right after any one of its mutating AWS calls converges on the next up with nothing leaked', async (t) => {
  const n = await lab.measureDomainChange();
  assert.ok(n >= 8, `a domain change made only ${n} mutating calls`);
  t.diagnostic(`domain change: ${n} mutating calls`);
  let locks = 0;
  const points = chosenPoints(n, everyPoint(n));
  for (const k of points) {
    await t.test(`domain change killed after mutating call ${k} of ${n} converges`, async () => {
      if ((await lab.domainChangeKilledAt(k, n)).lockLeft) locks += 1;
    });
  }
  t.diagnostic(`${points.length} crash points run; ${locks} of them left the lock`);
});
