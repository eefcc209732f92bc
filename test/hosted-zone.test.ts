// src/resources/hosted-zone.ts: finding the domain's hosted zone, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeResourceRecordSetsCommand, Route53Client, type Change, type RRType } from '@aws-sdk/client-route-53';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { Aws } from '../src/aws/clients.ts';
import { keepReads, releaseReads } from '../src/project/kept-reads.ts';
import { findRecord, listRecords, recordsNamed, upsertRecords } from '../src/resources/hosted-zone.ts';
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

describe('kept reads (plan, up until the lock, destroy while it looks)', () => {
  /** An Aws whose Route 53 client counts its ListResourceRecordSets requests. */
  function countingAws(): { aws: Aws; listings: () => number } {
    const aws = new Aws({ region: 'eu-west-1', endpointUrl: emulator.endpoint, maxAttempts: 1 });
    let count = 0;
    aws.globalClient(Route53Client).middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'ListResourceRecordSetsCommand') count += 1;
      return next(args);
    }, { step: 'initialize', name: 'countListings' });
    return { aws, listings: () => count };
  }

  test('the records at a name, one record and the whole zone come from one listing; released, each is read afresh and sees a change', async () => {
    const zoneId = await createZone('example.com');
    const validation = `_0123abcd.${DOMAIN}`;
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          { Action: 'CREATE', ResourceRecordSet: { Name: DOMAIN, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] } },
          { Action: 'CREATE', ResourceRecordSet: { Name: DOMAIN, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"at the name"' }] } },
          { Action: 'CREATE', ResourceRecordSet: { Name: validation, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: '_token.acm-validations.aws.' }] } },
        ],
      },
    }));
    const { aws, listings } = countingAws();
    const ctx = { aws };
    const route53Client = aws.globalClient(Route53Client);
    keepReads(aws);
    try {
      const [named, cname, all] = await Promise.all([
        recordsNamed(route53Client, zoneId, DOMAIN), findRecord(ctx, zoneId, validation, 'CNAME'), listRecords(ctx, zoneId),
      ]);
      assert.deepEqual(named.map((record) => record.Type).sort(), ['A', 'TXT']);
      assert.equal(cname?.ResourceRecords?.[0]?.Value, '_token.acm-validations.aws.');
      assert.deepEqual(all.map((record) => `${record.Type} ${record.Name ?? ''}`).filter((entry) => !/^(NS|SOA) /.test(entry)).sort(), [`A ${DOMAIN}.`, `CNAME ${validation}.`, `TXT ${DOMAIN}.`]);
      assert.equal(listings(), 1, 'one ListResourceRecordSets for all three');
      // Later reads while kept: the same listing, including a name with nothing at it.
      assert.equal(await findRecord(ctx, zoneId, DOMAIN, 'AAAA'), undefined);
      assert.deepEqual(await recordsNamed(route53Client, zoneId, `none.${DOMAIN}`), []);
      assert.equal(listings(), 1);
    } finally {
      releaseReads(aws);
    }

    // Changed after the release (as up changes records once it holds the lock): every read asks again, and sees it.
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: DOMAIN, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.2' }] } }] },
    }));
    const afterA = await findRecord(ctx, zoneId, DOMAIN, 'A');
    assert.equal(afterA?.ResourceRecords?.[0]?.Value, '192.0.2.2');
    assert.equal((await recordsNamed(route53Client, zoneId, DOMAIN)).length, 2);
    assert.equal(listings(), 3, 'released: a targeted request each');

    // Another run's client that keeps nothing makes its own targeted reads.
    const other = countingAws();
    await findRecord({ aws: other.aws }, zoneId, validation, 'CNAME');
    await findRecord({ aws: other.aws }, zoneId, validation, 'CNAME');
    assert.equal(other.listings(), 2);
  });

  test('a write through the tool while reads are kept drops the listing: the next read lists the zone again and sees the write', async () => {
    const zoneId = await createZone('example.com');
    const { aws, listings } = countingAws();
    const ctx = { aws };
    keepReads(aws);
    try {
      assert.equal(await findRecord(ctx, zoneId, DOMAIN, 'TXT'), undefined);
      await upsertRecords(ctx, zoneId, [{ Name: `${DOMAIN}.`, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"written"' }] }], 'test');
      const written = await findRecord(ctx, zoneId, DOMAIN, 'TXT');
      assert.equal(written?.ResourceRecords?.[0]?.Value, '"written"');
      assert.equal(listings(), 2);
    } finally {
      releaseReads(aws);
    }
  });
});
