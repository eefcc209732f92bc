// A plan never disagrees with apply. For each config edit: `plan --json`, then `up`, then the
// plan of the previous config, whose `from` values are what the tool reads through the SDK after
// `up`. Every field the first plan listed with a concrete `to` must read back as that value, and
// every field that reads differently from before must have been in the first plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KNOWN_AFTER_APPLY } from '../src/engine/types.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';
import { makeProject, resourceMutations, type CliRun, type TestProject } from './helpers/cli.ts';

const emulator = await useEmulator();
const ZONE = 'example.com';

interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

interface Planned {
  resource: string;
  action: string;
  changes: FieldChange[];
}

function tail(run: CliRun): string {
  return `exit ${run.code}\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-2000)}`;
}

async function planWith(project: TestProject, config: object): Promise<Planned[]> {
  await writeFile(project.configPath, JSON.stringify(config));
  const run = await project.run('plan', '--json');
  assert.ok(run.code === 0 || run.code === 2, `plan failed\n${tail(run)}`);
  return (JSON.parse(run.stdout) as { changes: Planned[] }).changes;
}

const concrete = (value: unknown): boolean => !JSON.stringify(value ?? null).includes(KNOWN_AFTER_APPLY);
const key = (resource: string, field: string) => `${resource} ${field}`;

const base = { project: 'honest-resume', region: 'eu-west-1', tags: { owner: 'jane' } };
const withDomain = (domain: string) => ({ ...base, domain });
/**
 * moto cannot tag an existing REST API (TagResource is routed for stages only and answers a 404
 * page for an API's ARN; MOTO.md). The tool keeps the AWS call, so on the emulator a tags edit
 * fails on the REST API alone, and the check covers every other resource.
 */
const EMULATOR_CANNOT = { resources: ['api', 'apiPermission'], error: /REST API: SyntaxError: Unexpected token '<'/ };

const EDITS: Array<{ name: string; config: object; emulatorCannotTagApi?: boolean }> = [
  { name: 'add a domain', config: withDomain(`resume.${ZONE}`) },
  { name: 'change the domain', config: withDomain(`cv.${ZONE}`) },
  { name: 'remove the domain', config: base },
  { name: 'change counter.allowedOrigins', config: { ...base, counter: { allowedOrigins: ['https://jane.example.org'] } } },
  { name: 'change tags', config: { ...base, counter: { allowedOrigins: ['https://jane.example.org'] }, tags: { owner: 'joe' } }, emulatorCannotTagApi: true },
];

test('for each config edit, up sets exactly what plan said, and changes nothing plan did not list', async () => {
  await emulator.reset();
  const route53 = new Route53Client({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  await route53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: `honest-${Date.now()}` }));
  route53.destroy();
  const project = await makeProject(emulator.endpoint, base);
  const first = await project.run('up');
  assert.equal(first.code, 0, tail(first));

  let previous: object = base;
  for (const edit of EDITS) {
    const skip = (resource: string) => edit.emulatorCannotTagApi === true && EMULATOR_CANNOT.resources.includes(resource);
    const planned = await planWith(project, edit.config);
    const listed = planned.filter((change) => change.action !== 'noop' && !skip(change.resource));
    assert.ok(listed.length > 0, `${edit.name}: plan lists no change`);
    const up = await project.run('up', '--yes');
    if (edit.emulatorCannotTagApi) {
      assert.match(up.stderr, EMULATOR_CANNOT.error, `${edit.name}: up did not stop at the emulator's missing REST API tagging\n${tail(up)}`);
      const after = await planWith(project, edit.config);
      assert.deepEqual(after.filter((change) => change.action !== 'noop').map((change) => change.resource), ['api'], `${edit.name}: more than the REST API left to change`);
    } else {
      assert.equal(up.code, 0, `${edit.name}: up failed\n${tail(up)}`);
      assert.equal((await project.run('plan')).code, 0, `${edit.name}: plan after up still wants changes`);
    }

    // The previous config's plan: its `from` is what the SDK reads now, field by field.
    const readBack = new Map<string, unknown>();
    const reverse = await planWith(project, previous);
    for (const change of reverse) for (const field of change.changes) readBack.set(key(change.resource, field.field), field.from);
    await writeFile(project.configPath, JSON.stringify(edit.config));

    const whole = new Set(listed.filter((change) => change.action !== 'update').map((change) => change.resource));
    const fields = new Set(listed.flatMap((change) => change.changes.map((field) => key(change.resource, field.field))));
    let checked = 0;
    for (const change of listed) {
      for (const field of change.changes.filter((candidate) => concrete(candidate.to))) {
        const name = key(change.resource, field.field);
        assert.ok(readBack.has(name), `${edit.name}: plan said ${name} -> ${JSON.stringify(field.to)}, but after up it reads as before`);
        assert.deepEqual(readBack.get(name), field.to, `${edit.name}: plan said ${name} -> ${JSON.stringify(field.to)}, up set ${JSON.stringify(readBack.get(name))}`);
        checked += 1;
      }
    }
    for (const change of reverse.filter((candidate) => candidate.action !== 'noop' && !skip(candidate.resource))) {
      if (whole.has(change.resource)) continue;
      assert.ok(change.action === 'update', `${edit.name}: ${change.resource} was ${change.action === 'create' ? 'deleted' : 'made'} by up, and plan did not list it`);
      for (const field of change.changes) {
        assert.ok(fields.has(key(change.resource, field.field)), `${edit.name}: up changed ${key(change.resource, field.field)} to ${JSON.stringify(field.from)}, and plan did not list it`);
      }
    }
    assert.ok(checked > 0 || listed.every((change) => change.action !== 'update'), `${edit.name}: no concrete value to check`);
    previous = edit.config;
  }
});

/** A project deployed with `up` on a fresh emulator, an S3 client, and where its state object is. */
async function deployed(name: string) {
  await emulator.reset();
  const config = { project: name, region: 'eu-west-1' };
  const project = await makeProject(emulator.endpoint, config);
  const first = await project.run('up');
  assert.equal(first.code, 0, tail(first));
  const s3 = new S3Client({ endpoint: emulator.endpoint, region: config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, maxAttempts: 1 });
  return { project, s3, location: { Bucket: `resume-infra-state-${ACCOUNT}-${config.region}`, Key: `${config.project}/state.json` } };
}

test('after the state is lost, plan lists what up will record in the state and exits 2, and up records exactly that', async () => {
  const { project, s3, location } = await deployed('lost-resume');
  await s3.send(new DeleteObjectCommand(location));
  s3.destroy();

  const json = await project.run('plan', '--json');
  assert.equal(json.code, 2, `up has state to write, so plan has changes\n${tail(json)}`);
  const planned = JSON.parse(json.stdout) as { changes: Array<Planned & { adopted: boolean }>; summary: Record<string, number> };
  assert.ok(planned.changes.length > 0, 'plan lists no resource to record');
  assert.deepEqual(planned.changes.filter((change) => change.action !== 'noop' || !change.adopted), [], 'a lost state changes nothing in AWS');
  assert.deepEqual(planned.summary, { create: 0, update: 0, replace: 0, delete: 0, adopt: planned.changes.length });

  const text = await project.run('plan');
  assert.equal(text.code, 2, tail(text));
  assert.match(text.stdout, new RegExp(`Plan: nothing in AWS changes; ${planned.changes.length} existing resources to record in the state\\.\\n$`));
  assert.doesNotMatch(text.stdout, /No changes/);

  const up = await project.run('up', '--json');
  assert.equal(up.code, 0, tail(up));
  const applied = JSON.parse(up.stdout) as { changes: Array<{ resource: string; adopted: boolean }>; summary: Record<string, number> };
  assert.deepEqual(applied.changes.filter((change) => change.adopted).map((change) => change.resource).sort(), planned.changes.map((change) => change.resource).sort());
  assert.equal(applied.summary.adopt, planned.changes.length);
  const stateWrites = resourceMutations(up.calls).filter((call) => !(call.service === 'S3' && call.operation === 'PutObject' && (call.target ?? '').endsWith('/state.json')));
  assert.deepEqual(stateWrites.map((call) => `${call.service}.${call.operation} ${call.target ?? ''}`), [], 'recording the state changed something in AWS');

  const after = await project.run('plan');
  assert.equal(after.code, 0, tail(after));
  assert.match(after.stdout, /No changes\. The stack matches the config\./);
});

interface StateDoc {
  resources: Record<string, { id: string; arn?: string; outputs: Record<string, string>; updatedAt?: string }>;
  retired?: Array<Record<string, unknown>>;
  outputs: Record<string, string>;
  site?: { live: string };
}

interface Updated {
  kind: string;
  resource?: string;
  description: string;
}

/**
 * Each way the state can fall behind what AWS holds while AWS needs no change: a crash between a
 * write to AWS and the state write, the first run after an upgrade that records a new output, a
 * retired instance deleted by hand, a resource the config dropped (here the domain's certificate)
 * deleted by hand or by a run cut off before its state write.
 */
const GONE_CERTIFICATE = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/00000000-0000-4000-8000-000000000000`;
const STALE: Array<{ name: string; kind: string; tamper: (state: StateDoc) => void; says: RegExp }> = [
  { name: 'a record missing an output', kind: 'record', tamper: (state) => { delete state.resources.table!.outputs.tableArn; }, says: /refresh the record of DynamoDB table \S+ \(outputs\.tableArn read differently\)/ },
  { name: 'a retired instance gone from AWS', kind: 'retired', tamper: (state) => { state.retired = [{ resource: 'function', id: 'stale-resume-old-function', outputs: {}, updatedAt: '2026-12-01T00:00:00.000Z', retiredAt: '2026-12-01T00:00:00.000Z' }]; }, says: /drop retired Lambda function stale-resume-old-function \(gone from AWS already\)/ },
  {
    name: 'a removed resource gone from AWS', kind: 'forget',
    tamper: (state) => { state.resources.certificate = { id: GONE_CERTIFICATE, arn: GONE_CERTIFICATE, outputs: { certificateArn: GONE_CERTIFICATE }, updatedAt: '2026-12-01T00:00:00.000Z' }; },
    says: new RegExp(`forget ACM certificate ${GONE_CERTIFICATE} \\(removed from config, and gone from AWS already\\)`),
  },
  { name: 'stack outputs missing one', kind: 'outputs', tamper: (state) => { delete state.outputs.apiUrl; }, says: /update the stack outputs \(apiUrl\)/ },
  { name: 'no record of the live release', kind: 'site', tamper: (state) => { delete state.site; }, says: /record the live site release \S+ \(the state names none\)/ },
];

test('when only the state falls behind, plan lists each entry up will update and exits 2, and up updates exactly those and nothing in AWS', async () => {
  const { project, s3, location } = await deployed('stale-resume');
  const readState = async () => JSON.parse(await (await s3.send(new GetObjectCommand(location))).Body!.transformToString()) as StateDoc;
  try {
    for (const stale of STALE) {
      const state = await readState();
      stale.tamper(state);
      await s3.send(new PutObjectCommand({ ...location, Body: JSON.stringify(state), ContentType: 'application/json' }));

      const json = await project.run('plan', '--json');
      assert.equal(json.code, 2, `${stale.name}: up writes the state, so plan has changes\n${tail(json)}`);
      const planned = JSON.parse(json.stdout) as { changes: Planned[]; stateUpdates: Updated[] };
      assert.deepEqual(planned.changes, [], `${stale.name}: nothing in AWS changes`);
      assert.deepEqual(planned.stateUpdates.map((update) => update.kind), [stale.kind], stale.name);
      assert.match(planned.stateUpdates[0]!.description, stale.says, stale.name);

      const text = await project.run('plan');
      assert.equal(text.code, 2, tail(text));
      assert.match(text.stdout, new RegExp(`\\n  = state: ${stale.says.source}\\n`), `${stale.name}: the plan lists the entry`);
      assert.match(text.stdout, /Plan: nothing in AWS changes; 1 state entry to update\.\n$/, stale.name);

      const up = await project.run('up', '--json');
      assert.equal(up.code, 0, tail(up));
      const applied = JSON.parse(up.stdout) as { changes: unknown[]; stateUpdates: Updated[] };
      assert.deepEqual(applied.stateUpdates, planned.stateUpdates, `${stale.name}: up reports what plan listed`);
      assert.deepEqual(applied.changes, [], stale.name);
      const writes = resourceMutations(up.calls);
      assert.ok(writes.length > 0, `${stale.name}: up wrote nothing`);
      assert.deepEqual(writes.filter((call) => !(call.service === 'S3' && call.operation === 'PutObject' && (call.target ?? '').endsWith('/state.json')))
        .map((call) => `${call.service}.${call.operation} ${call.target ?? ''}`), [], `${stale.name}: updating the state changed something in AWS`);

      const after = await project.run('plan');
      assert.equal(after.code, 0, `${stale.name}: up left the state behind\n${tail(after)}`);
      assert.match(after.stdout, /No changes\. The stack matches the config\./);
      const again = await project.run('up', '--json');
      assert.equal(again.code, 0, tail(again));
      assert.deepEqual(resourceMutations(again.calls).map((call) => `${call.service}.${call.operation}`), [], `${stale.name}: the next up writes nothing`);
    }
  } finally {
    s3.destroy();
  }
});
