// src/resources/hosted-zone.ts: finding the domain's hosted zone, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeResourceRecordSetsCommand, Route53Client, type Change, type RRType } from '@aws-sdk/client-route-53';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { recordsNamed } from '../src/resources/hosted-zone.ts';
import { makeProject } from './helpers/cli.ts';
import { emulator, route53, s3, DOMAIN, SITE_FILES, CONFIG, project, createZone, records, certificatesFor, distributions, oacCount, upOk } from './helpers/domain-stack.ts';

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

describe('recordsNamed', () => {
  test('returns every set at exactly the name in one request, and pages on while the next set is still at the name', async () => {
    const zoneId = await createZone('example.com');
    const name = `www.${DOMAIN}`;
    const set = (recordName: string, type: RRType, value: string): Change => ({
      Action: 'CREATE', ResourceRecordSet: { Name: recordName, Type: type, TTL: 60, ResourceRecords: [{ Value: value }] },
    });
    // 13 types at the name, more than a page; neighbours before and after it in Route 53's order.
    const types: Array<[RRType, string]> = [
      ['A', '192.0.2.1'], ['AAAA', '2001:db8::1'], ['CAA', '0 issue "amazon.com"'], ['DS', '1 1 1 AB'], ['HTTPS', '1 . alpn=h2'], ['MX', '10 mail.example.com'],
      ['NAPTR', '1 1 "u" "E2U+sip" "" .'], ['PTR', 'host.example.com'], ['SPF', '"v=spf1 -all"'], ['SRV', '1 1 443 host.example.com'], ['SSHFP', '1 1 AB'],
      ['TLSA', '3 1 1 AB'], ['TXT', '"at the name"'],
    ];
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [...types.map(([type, value]) => set(name, type, value)), set(DOMAIN, 'TXT', '"parent"'), set(`a.${name}`, 'TXT', '"child"'), set(`x${name}`, 'A', '192.0.2.9')] },
    }));
    const sent: Array<string | undefined> = [];
    const client = new Route53Client({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    client.middlewareStack.add((next, context) => async (args) => {
      sent.push(context.commandName);
      return next(args);
    }, { step: 'initialize', name: 'countCommands' });

    const found = await recordsNamed(client, zoneId, name);
    assert.deepEqual(found.map((record) => record.Type).sort(), types.map(([type]) => type).sort());
    assert.equal(sent.length, 2, 'two pages: 12 sets, then the 13th');

    sent.length = 0;
    const single = await recordsNamed(client, zoneId, `x${name}`);
    assert.deepEqual(single.map((record) => `${record.Type} ${record.Name ?? ''}`), [`A x${name}.`]);
    assert.equal(sent.length, 1);
    assert.deepEqual(await recordsNamed(client, zoneId, `none.${DOMAIN}`), []);
  });
});
