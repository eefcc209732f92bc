// src/state/store.ts: the state object and its lock, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RemoveTagsFromResourceCommand } from '@aws-sdk/client-ssm';
import { ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { start } from '../bench/proxy.ts';
import { resourceMutations, runCli, type CliRun } from './helpers/cli.ts';
import { StateSession } from '../src/state/session.ts';
import { readJson } from './helpers/s3.ts';
import { emulator, s3, ssm, PARAMETER, STATE_BUCKET, STATE_KEY, project, stateDocument, stateObjectExists, openStore } from './helpers/foundation-stack.ts';

describe('locking', () => {
  test('of two up runs at once that both change something, exactly one proceeds and the other names the lock holder', async () => {
    assert.equal((await project.run('up')).code, 0);
    // Both runs see the same change to make: the secret's tag, removed by hand.
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: PARAMETER, TagKeys: ['owner'] }));
    // Through the proxy, the tag write (made while holding the lock) is answered 1 s late, so the
    // winner still holds the lock when the other run asks for it, however the two runs interleave.
    const proxy = await start(emulator.endpoint);
    let first: CliRun;
    let second: CliRun;
    try {
      proxy.setOperationLatency('ssm', 'AddTagsToResource', 1000);
      const up = () => runCli(['up', '-c', project.configPath, '--endpoint-url', proxy.url]);
      [first, second] = await Promise.all([up(), up()]);
      const tagWrites = proxy.timeline().filter((entry) => entry.operation === 'AddTagsToResource');
      assert.equal(tagWrites.length, 1, 'one run wrote the tag');
    } finally {
      await proxy.stop();
    }
    const codes = [first.code, second.code].sort();
    assert.deepEqual(codes, [0, 1], `${first.stderr}\n${second.stderr}`);
    const loser = first.code === 1 ? first : second;
    assert.match(loser.stderr, /^error: state s3:\/\/\S+ is locked by \S+ running `up` since \S+ \(lock id [0-9a-f-]{36}\); .*unlock [0-9a-f-]{36}/m);
    // The plan it would have applied comes first, then one error line.
    assert.equal(loser.stderr.split('\n').filter((line) => line.startsWith('error:')).length, 1, 'one error line');
    const state = await stateDocument<{ serial: number; resources: Record<string, unknown> }>();
    assert.ok(state.resources.table && state.resources.secret);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false);
  });

  test('two no-change up runs at once both succeed without taking the lock or writing the state', async () => {
    assert.equal((await project.run('up')).code, 0);
    const serialBefore = (await stateDocument<{ serial: number }>()).serial;
    const runs = await Promise.all([project.run('up'), project.run('up')]);
    assert.deepEqual(runs.map((run) => run.code), [0, 0], runs.map((run) => run.stderr).join('\n'));
    for (const run of runs) assert.match(run.stdout, /No changes: \d+ resources up to date/);
    assert.equal((await stateDocument<{ serial: number }>()).serial, serialBefore);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false);
  });

  test('up on a state bucket that holds the state reads none of the bucket\'s setup, whether it changes something or not', async () => {
    assert.equal((await project.run('up')).code, 0);
    // A bucket with objects in it is left as it is, so its versioning cannot change what up does.
    const setupReads = (run: CliRun) => run.calls.filter((call) => call.service === 'S3' && (call.target ?? '') === STATE_BUCKET).map((call) => call.operation);
    const unchanged = await project.run('up');
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.deepEqual(setupReads(unchanged), [], 'a no-change up');
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: PARAMETER, TagKeys: ['owner'] }));
    const changing = await project.run('up');
    assert.equal(changing.code, 0, changing.stderr);
    assert.ok(resourceMutations(changing.calls).some((call) => call.operation === 'AddTagsToResource'), 'the up changed the tag back');
    assert.deepEqual(setupReads(changing), [], 'an up that changes something');
  });

  test('a no-change up still stops at a lock another run holds, naming it', async () => {
    assert.equal((await project.run('up')).code, 0);
    const held = await (await openStore()).acquireLock('deploy-site');
    const blocked = await project.run('up');
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, new RegExp(`locked by \\S+ running \`deploy-site\` since \\S+ \\(lock id ${held.id}\\)`));
  });

  test('a run whose lock was force-unlocked and taken by another run leaves that run\'s lock when it finishes', async () => {
    assert.equal((await project.run('up')).code, 0);
    const [slow, other] = [await openStore(), await openStore()];
    const stuck = await slow.acquireLock('up');
    await other.forceUnlock(stuck.id);
    const taken = await other.acquireLock('deploy-site');

    await slow.releaseLock(stuck);
    const holder = await readJson<{ id: string }>(s3, STATE_BUCKET, `${STATE_KEY}.lock`);
    assert.equal(holder.id, taken.id, 'the other run still holds the lock');

    await other.releaseLock(taken);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false);
    await other.releaseLock(taken); // already gone: nothing to do, no error
  });

  test('deploy-site and deploy-lambda before up fail with one line saying to run up, and create nothing', async () => {
    for (const command of ['deploy-site', 'deploy-lambda']) {
      const result = await project.run(command);
      assert.equal(result.code, 1, command);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /^error: jane-resume is not deployed \(no state bucket resume-infra-state-\d+-eu-west-1\); run `npx resume-infra -c \S+ --endpoint-url \S+ up` first\n$/, command);
      assert.deepEqual(resourceMutations(result.calls), [], command);
      assert.equal((await s3.send(new ListBucketsCommand({}))).Buckets?.length ?? 0, 0, command);
    }
  });

  test('changes made while a state write is in flight go together in the next write, each with the ETag of the one before', async () => {
    assert.equal((await project.run('up')).code, 0);
    const store = await openStore();
    const loaded = await store.read('jane-resume');
    assert.ok(loaded);
    const serialBefore = loaded.document.serial;
    const session = new StateSession(store, loaded.document, loaded.etag);
    const observed = (id: string) => ({ id, outputs: { id } });
    // Five changes at once, as a destroy deleting independent resources makes them.
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => session.record(`extra-${name}`, observed(name))));
    assert.ok(session.writeCount >= 1 && session.writeCount < 5, `${session.writeCount} writes for 5 changes`);
    const stored = await stateDocument<{ serial: number; resources: Record<string, { id: string }> }>();
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((name) => stored.resources[`extra-${name}`]?.id), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(stored.serial, serialBefore + session.writeCount);
    // One more change after they settled is written on its own, over the last ETag.
    await session.forget('extra-a');
    assert.equal((await stateDocument<{ resources: Record<string, unknown> }>()).resources['extra-a'], undefined);
  });

  test('a state write over a version someone else changed is an error, never a silent overwrite', async () => {
    assert.equal((await project.run('up')).code, 0);
    const store = await openStore();
    const loaded = await store.read('jane-resume');
    assert.ok(loaded);
    const theirs = { ...loaded.document, serial: loaded.document.serial + 1 };
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: JSON.stringify(theirs) }));
    await assert.rejects(store.write({ ...loaded.document, serial: loaded.document.serial + 1, outputs: { mine: 'yes' } }, loaded.etag), /was changed by someone else during this run \(ETag mismatch\); nothing was overwritten/);
    assert.equal((await stateDocument<{ outputs: Record<string, string> }>()).outputs.mine, undefined);
  });
});
