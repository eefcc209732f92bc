// src/aws/account-cache.ts: a run whose credentials answered STS before starts reading the state
// and looking up the hosted zone with that account while STS answers, and uses what it read only
// if STS names the same account.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { start, type TimelineEntry } from '../bench/proxy.ts';
import { ACCOUNT_CACHE_FILE, accountCacheKey, cachedAccount, rememberAccount } from '../src/aws/account-cache.ts';
import { makeProject } from './helpers/cli.ts';
import { ACCOUNT } from './helpers/emulator.ts';
import { CONFIG, createZone, emulator, PROJECT, project, region, s3, SITE_FILES, STATE_KEY, upOk } from './helpers/domain-stack.ts';

const DELAY_MS = 150;
const ACCESS_KEY_ID = process.env.AWS_ACCESS_KEY_ID ?? '';
const OTHER_ACCOUNT = '999999999999';

test('with the account known from an earlier run, up reads the state and looks up the zone without waiting for STS', async () => {
  await createZone('example.com');
  await upOk();
  const proxy = await start(emulator.endpoint);
  try {
    const delayed = await makeProject(proxy.url, CONFIG, SITE_FILES);
    // The first run through this endpoint asks STS first and remembers the answer.
    assert.equal((await delayed.run('plan')).code, 0);
    assert.equal(cachedAccount(accountCacheKey(proxy.url, ACCESS_KEY_ID)), ACCOUNT);
    proxy.setLatency(DELAY_MS);
    proxy.reset();
    const run = await delayed.run('up', '--yes');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /No changes/);
    const timeline = proxy.timeline();
    const one = (service: string, operation: string): TimelineEntry => {
      const found = timeline.filter((entry) => entry.service === service && entry.operation === operation);
      assert.equal(found.length, 1, `${service} ${operation}: ${found.length} calls`);
      return found[0] as TimelineEntry;
    };
    const sts = one('sts', 'GetCallerIdentity');
    const state = timeline.find((entry) => entry.service === 's3' && entry.operation === 'GetObject' && entry.start < sts.end);
    assert.ok(state, `no S3 GetObject (the state) was sent before STS answered at ${sts.end.toFixed(0)} ms`);
    // (The zone's look-up asks for resume.example.com, then example.com.)
    const zone = timeline.filter((entry) => entry.service === 'route53' && entry.operation === 'ListHostedZonesByName').sort((a, b) => a.start - b.start)[0];
    assert.ok(zone, 'the zone was looked up');
    assert.ok(zone.start < sts.end, `the zone look-up was sent at ${zone.start.toFixed(0)} ms, after STS answered at ${sts.end.toFixed(0)} ms`);
  } finally {
    await proxy.stop();
  }
});

test('a cached account that STS contradicts is never used: plan and up work on the real account, and the cache is corrected', async () => {
  await createZone('example.com');
  await upOk();
  const key = accountCacheKey(emulator.endpoint, ACCESS_KEY_ID);
  rememberAccount(key, OTHER_ACCOUNT);
  // A decoy state where the wrong account's state bucket would be: empty, so a plan that used it
  // would want to create everything.
  const decoy = `resume-infra-state-${OTHER_ACCOUNT}-${region}`;
  await s3.send(new CreateBucketCommand({ Bucket: decoy, CreateBucketConfiguration: { LocationConstraint: region } }));
  await s3.send(new PutObjectCommand({ Bucket: decoy, Key: STATE_KEY, Body: JSON.stringify({ version: 1, project: PROJECT, serial: 7, resources: {} }) }));

  const plan = await project.run('plan');
  assert.equal(plan.code, 0, `plan used the wrong account's state:\n${plan.stdout}`);
  assert.match(plan.stdout, new RegExp(`account ${ACCOUNT}`));
  assert.equal(cachedAccount(key), ACCOUNT, 'the cache names the account STS answered');

  rememberAccount(key, OTHER_ACCOUNT);
  const up = await project.run('up', '--yes');
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /No changes/);
  // Nothing was made under the wrong account's names.
  await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: `${PROJECT}-site-${OTHER_ACCOUNT}` })));
});

test('the cache file holds account ids under hashed keys, never a credential', async () => {
  await createZone('example.com');
  assert.equal((await project.run('plan')).code, 2);
  const text = await readFile(ACCOUNT_CACHE_FILE, 'utf8');
  assert.ok(!text.includes(ACCESS_KEY_ID), 'the access key id is in the cache file');
  assert.ok(!text.includes(process.env.AWS_SECRET_ACCESS_KEY ?? '\u0000'), 'the secret key is in the cache file');
  const entries = JSON.parse(text) as Record<string, string>;
  for (const [entryKey, account] of Object.entries(entries)) {
    assert.match(entryKey, /^[0-9a-f]{64}$/);
    assert.match(account, /^\d{12}$/);
  }
});
