// The unlock command, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3, STATE_BUCKET, STATE_KEY, project, stateObjectExists } from './helpers/foundation-stack.ts';

describe('locking', () => {
  test('unlock removes a stale lock only when given its id', async () => {
    assert.equal((await project.run('up')).code, 0);
    const stale = { id: '11111111-2222-3333-4444-555555555555', who: 'ci@runner', command: 'up', createdAt: '2026-01-01T00:00:00.000Z', pid: 1 };
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: `${STATE_KEY}.lock`, Body: JSON.stringify(stale) }));

    const blocked = await project.run('up');
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /locked by ci@runner running `up` since 2026-01-01T00:00:00.000Z \(lock id 11111111-2222-3333-4444-555555555555\).*run `npx resume-infra -c \S+ --endpoint-url \S+ unlock 11111111-2222-3333-4444-555555555555`/);

    const wrong = await project.run('unlock', 'not-the-id');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /lock id "not-the-id" does not match/);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), true);

    const right = await project.run('unlock', stale.id);
    assert.equal(right.code, 0, right.stderr);
    assert.equal(await stateObjectExists(`${STATE_KEY}.lock`), false);
    assert.equal((await project.run('up')).code, 0);
  });
});
