// Every crash point of adding a redirect name and of removing it (npm run test:crash): `up`, then
// the config gains (or loses) a name in redirectFrom and `up` is killed with SIGKILL right after
// each of its mutating AWS calls in turn. The next `up` must leave one certificate that covers the
// name exactly when the config wants it, the name's validation and alias records exactly then,
// and a clean plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator } from '../helpers/emulator.ts';
import { chosenPoints, CrashLab, everyPoint } from './scenarios.ts';

const lab = new CrashLab(await useEmulator());

for (const add of [true, false]) {
  const change = add ? 'adding a redirect name' : 'removing a redirect name';
  test(`${change}, killed right after any one of its mutating AWS calls, converges on the next up with nothing leaked`, async (t) => {
    const n = await lab.measureRedirectChange(add);
    assert.ok(n >= 4, `${change} made only ${n} mutating calls`);
    t.diagnostic(`${change}: ${n} mutating calls`);
    let locks = 0;
    const points = chosenPoints(n, everyPoint(n));
    for (const k of points) {
      await t.test(`${change} killed after mutating call ${k} of ${n} converges`, async () => {
        if ((await lab.redirectChangeKilledAt(k, n, add)).lockLeft) locks += 1;
      });
    }
    t.diagnostic(`${points.length} crash points run; ${locks} of them left the lock`);
  });
}
