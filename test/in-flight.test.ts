// InFlight (src/aws/in-flight.ts): which reads share one request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlight } from '../src/aws/in-flight.ts';

/** A read that counts its requests and answers when told to. */
function reader() {
  let requests = 0;
  const pending: Array<(value: number) => void> = [];
  return {
    get requests() { return requests; },
    start: () => {
      requests += 1;
      const answer = requests;
      return new Promise<number>((resolve) => pending.push(() => resolve(answer)));
    },
    answerAll: () => { for (const resolve of pending.splice(0)) resolve(0); },
  };
}

test('reads share one request while it is in flight, and ask again once it is answered', async () => {
  const inFlight = new InFlight<number>();
  const client = {};
  const read = reader();
  const first = inFlight.share(client, 'LIVE f', read.start);
  const second = inFlight.share(client, 'LIVE f', read.start);
  assert.equal(read.requests, 1);
  read.answerAll();
  assert.equal(await first, await second);
  const later = inFlight.share(client, 'LIVE f', read.start);
  assert.equal(read.requests, 2, 'a read asked after the answer is made again');
  read.answerAll();
  await later;
});

test('keep answers later reads from the first answer until release, after which each is made again', async () => {
  const inFlight = new InFlight<number>();
  const client = {};
  const other = {};
  const read = reader();
  assert.equal(inFlight.keeps(client), false);
  inFlight.keep(client);
  assert.equal(inFlight.keeps(client), true);
  assert.equal(inFlight.keeps(other), false);
  const first = inFlight.share(client, 'LIVE f', read.start);
  read.answerAll();
  await first;
  await Promise.resolve();
  assert.equal(inFlight.share(client, 'LIVE f', read.start), first, 'kept: the same answer');
  assert.equal(read.requests, 1);
  // Another client is not kept.
  const elsewhere = inFlight.share(other, 'LIVE f', read.start);
  read.answerAll();
  await elsewhere;
  assert.equal(read.requests, 2);
  // forget before a write drops the kept answer.
  inFlight.forget(client, 'LIVE f');
  const afterWrite = inFlight.share(client, 'LIVE f', read.start);
  assert.notEqual(afterWrite, first);
  assert.equal(read.requests, 3);
  read.answerAll();
  await afterWrite;
  // release ends keep: nothing is answered from before it, and answers are no longer kept.
  inFlight.release(client);
  assert.equal(inFlight.keeps(client), false);
  const released = inFlight.share(client, 'LIVE f', read.start);
  assert.equal(read.requests, 4, 'released: asked again');
  read.answerAll();
  await released;
  await Promise.resolve();
  inFlight.share(client, 'LIVE f', read.start);
  assert.equal(read.requests, 5, 'after release an answer is not kept');
  read.answerAll();
});
