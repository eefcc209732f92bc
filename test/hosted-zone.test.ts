// src/resources/hosted-zone.ts: finding the domain's hosted zone, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { makeProject } from './helpers/cli.ts';
import { emulator, s3, DOMAIN, SITE_FILES, CONFIG, project, createZone, records, certificatesFor, distributions, oacCount, upOk } from './helpers/domain-stack.ts';

describe('up with a domain', () => {
  test('the zone is the longest suffix of the domain that has one', async () => {
    await createZone('example.com');
    const nearer = await createZone(DOMAIN);
    await upOk();
    // The domain is that zone's apex, so www of it redirects by default: its records are there too.
    const names = (await records(nearer)).map((record) => `${record.Type} ${record.Name?.startsWith('_') ? '_validation.' : ''}${record.Name?.replace(/^_[^.]*\./, '') ?? ''}`).sort();
    assert.deepEqual(names, [`A ${DOMAIN}.`, `A www.${DOMAIN}.`, `AAAA ${DOMAIN}.`, `AAAA www.${DOMAIN}.`, `CNAME _validation.${DOMAIN}.`, `CNAME _validation.www.${DOMAIN}.`]);
  });

  test('hostedZone in the config names the zone to use', async () => {
    const parent = await createZone('example.com');
    await createZone(DOMAIN);
    const named = await makeProject(emulator.endpoint, { ...CONFIG, hostedZone: 'example.com' }, SITE_FILES);
    await upOk(named);
    const types = (await records(parent)).map((record) => record.Type).sort();
    assert.deepEqual(types, ['A', 'AAAA', 'CNAME']);
  });

  test('a domain without a hosted zone fails with one line before anything is created', async () => {
    const result = await project.run('up');
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n').filter((line) => /hosted zone/.test(line));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /no public Route 53 hosted zone found for domain "resume\.example\.com" \(looked for resume\.example\.com, example\.com\)/);
    // Nothing at all: not even the state bucket's bootstrap or the lock.
    assert.deepEqual(result.calls.filter((call) => call.mutating).map((call) => `${call.service}.${call.operation}`), []);
    assert.deepEqual(await distributions(), []);
    assert.deepEqual(await certificatesFor(DOMAIN), []);
    assert.equal(await oacCount(), 0);
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.deepEqual(buckets.map((bucket) => bucket.Name), []);
  });
});
