// src/resources/redirect-names.ts: which names redirect to the domain, and the zone check, against the emulator.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { Aws } from '../src/aws/clients.ts';
import { deriveNames, parseConfig, projectTags } from '../src/config.ts';
import type { ResourceContext } from '../src/engine/types.ts';
import { UserError } from '../src/errors.ts';
import { idempotencyToken } from '../src/resources/certificate.ts';
import { checkRedirectNames, redirectNames, siteNames } from '../src/resources/redirect-names.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const route53 = new Route53Client({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

beforeEach(() => emulator.reset());

function contextFor(file: Record<string, unknown>): ResourceContext {
  const config = parseConfig({ project: 'jane-resume', region, ...file }, 'resume-infra.json', '/tmp');
  return {
    config,
    names: deriveNames(config, ACCOUNT, region),
    aws: new Aws({ region, endpointUrl: emulator.endpoint }),
    tags: projectTags(config),
    mode: 'plan',
    output: () => '(known after apply)',
    note: () => undefined,
  };
}

async function createZone(name: string): Promise<string> {
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${Date.now()}` }));
  return (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
}

test('a domain at the apex of its zone redirects www by default', async () => {
  await createZone('example.com');
  assert.deepEqual(await redirectNames(contextFor({ domain: 'example.com' })), ['www.example.com']);
});

test('a domain below its zone apex has no default redirect', async () => {
  await createZone('example.com');
  assert.deepEqual(await redirectNames(contextFor({ domain: 'resume.example.com' })), []);
});

test('a domain that has a zone of its own is that zone\'s apex, so www of it is the default', async () => {
  await createZone('example.com');
  await createZone('resume.example.com');
  assert.deepEqual(await redirectNames(contextFor({ domain: 'resume.example.com' })), ['www.resume.example.com']);
});

test('hostedZone given by id decides the apex too', async () => {
  const id = await createZone('example.com');
  assert.deepEqual(await redirectNames(contextFor({ domain: 'example.com', hostedZone: id })), ['www.example.com']);
});

test('redirectFrom in the config wins over the default, and [] turns the redirect off', async () => {
  await createZone('example.com');
  assert.deepEqual(await redirectNames(contextFor({ domain: 'example.com', redirectFrom: ['cv.example.com'] })), ['cv.example.com']);
  assert.deepEqual(await redirectNames(contextFor({ domain: 'example.com', redirectFrom: [] })), []);
});

test('no domain, no redirect names', async () => {
  assert.deepEqual(await redirectNames(contextFor({})), []);
});

test('siteNames puts the domain first and sorts the rest', () => {
  assert.deepEqual(siteNames('example.com', ['www.example.com', 'cv.example.com']), ['example.com', 'cv.example.com', 'www.example.com']);
});

test('a redirect name outside the domain\'s zone fails the check in one line naming the name and the zone', async () => {
  const id = await createZone('example.com');
  await checkRedirectNames(contextFor({ domain: 'resume.example.com', redirectFrom: ['example.com', 'www.resume.example.com'] }));
  await assert.rejects(checkRedirectNames(contextFor({ domain: 'resume.example.com', redirectFrom: ['www.example.org'] })), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, `redirectFrom "www.example.org" is not inside the hosted zone example.com (${id}) of domain "resume.example.com"; Route 53 needs their alias records there, so use names ending in .example.com`);
    return true;
  });
});

test('the certificate\'s idempotency token changes with its names, not with their order, and is the old one without redirect names', () => {
  const alone = idempotencyToken('jane-resume', 'example.com');
  assert.equal(idempotencyToken('jane-resume', 'example.com', []), alone);
  const withWww = idempotencyToken('jane-resume', 'example.com', ['www.example.com']);
  assert.notEqual(withWww, alone);
  assert.equal(idempotencyToken('jane-resume', 'example.com', ['www.example.com', 'cv.example.com']), idempotencyToken('jane-resume', 'example.com', ['cv.example.com', 'www.example.com']));
  assert.notEqual(idempotencyToken('jane-resume', 'example.com', ['www.example.com', 'cv.example.com']), withWww);
  assert.notEqual(idempotencyToken('jane-resume', 'example.com', ['www.example.com'], 1), withWww, 'the chain goes on from it');
});
