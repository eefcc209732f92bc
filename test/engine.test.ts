// The engine's lifecycle on in-memory resource kinds: converge after create and update, replace
// create-before-destroy with the old instance retired in the state, recovery after a failure.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONVERGE_LIMIT, Engine, type EngineOptions } from '../src/engine/engine.ts';
import type { Change, Observed, ResourceContext, ResourceKind } from '../src/engine/types.ts';
import { emptyState, type RecordedResource } from '../src/state/document.ts';
import { StateSession } from '../src/state/session.ts';

interface Instance {
  key: string;
  value: string;
}

interface FakeActual extends Observed {
  key: string;
  value: string;
}

interface FakeDesired {
  key: string;
  value: string;
}

/** A tiny cloud: instances by id, and a log of every mutating call in order. */
class Cloud {
  readonly instances = new Map<string, Instance>();
  readonly log: string[] = [];
  private next = 1;

  add(key: string, value: string): string {
    const id = `i-${this.next}`;
    this.next += 1;
    this.instances.set(id, { key, value });
    return id;
  }
}

interface KindOptions {
  name: string;
  dependsOn?: string[];
  /** The key the config asks for (a certificate's domain): another key forces a replacement. */
  key: () => string;
  /** The value, from config or a dependency's output. */
  value: (ctx: ResourceContext) => string;
  holdsData?: boolean;
  replaceDeletesFirst?: boolean;
  /** Hooks to break things. */
  failCreate?: () => boolean;
  updateIgnored?: boolean;
  onCreate?: () => void;
}

function fakeKind(cloud: Cloud, options: KindOptions): ResourceKind<FakeDesired, FakeActual> {
  const observe = (id: string): FakeActual | undefined => {
    const instance = cloud.instances.get(id);
    return instance ? { id, outputs: { id, key: instance.key }, key: instance.key, value: instance.value } : undefined;
  };
  return {
    name: options.name,
    title: options.name,
    dependsOn: options.dependsOn ?? [],
    ...(options.holdsData ? { holdsData: true } : {}),
    ...(options.replaceDeletesFirst ? { replaceDeletesFirst: true } : {}),
    label: (_ctx, actual) => `${options.name}:${actual?.key ?? options.key()}`,
    desired: (ctx) => ({ key: options.key(), value: options.value(ctx) }),
    async read(ctx, recorded: RecordedResource | undefined) {
      if (recorded) {
        const found = observe(recorded.id);
        if (found) return found;
      }
      if (ctx.mode === 'destroy') return undefined;
      const match = [...cloud.instances.entries()].find(([, instance]) => instance.key === `${options.name}:${options.key()}`);
      return match ? observe(match[0]) : undefined;
    },
    diff(desired, actual) {
      const changes: Change[] = [];
      if (actual.key !== `${options.name}:${desired.key}`) changes.push({ field: 'key', from: actual.key, to: `${options.name}:${desired.key}`, replace: true });
      if (actual.value !== desired.value) changes.push({ field: 'value', from: actual.value, to: desired.value });
      return changes;
    },
    async create(_ctx, desired) {
      options.onCreate?.();
      if (options.failCreate?.()) throw new Error(`creating ${options.name} failed`);
      cloud.log.push(`create ${options.name}:${desired.key}`);
      // Made with a placeholder value: the engine's converge step must set the real one.
      return { id: cloud.add(`${options.name}:${desired.key}`, 'initial') };
    },
    async update(_ctx, desired, actual) {
      cloud.log.push(`update ${actual.key} value=${desired.value}`);
      if (options.updateIgnored) return;
      const instance = cloud.instances.get(actual.id);
      if (instance) instance.value = desired.value;
    },
    async delete(_ctx, actual) {
      cloud.log.push(`delete ${actual.key}`);
      cloud.instances.delete(actual.id);
    },
  };
}

const context = { config: { project: 'unit' }, names: {}, aws: {}, tags: {} } as unknown as EngineOptions['context'];

function engine(resources: ReadonlyArray<ResourceKind<FakeDesired, FakeActual>>, state: StateSession, extra: Partial<EngineOptions> = {}): Engine {
  return new Engine({ resources: resources as EngineOptions['resources'], context, recorded: (name) => state.recorded(name), retired: (name) => state.retired(name), ...extra });
}

function newState(): StateSession {
  return new StateSession(undefined, emptyState('unit', '123456789012', 'eu-west-1'), undefined);
}

/** A certificate-like kind (replaced when its key changes) and a distribution-like dependent that points at it. */
function certAndConsumer(cloud: Cloud, domain: { current: string }, certOptions: Partial<KindOptions> = {}, consumerOptions: Partial<KindOptions> = {}) {
  const cert = fakeKind(cloud, { name: 'cert', key: () => domain.current, value: () => 'issued', ...certOptions });
  const consumer = fakeKind(cloud, { name: 'consumer', dependsOn: ['cert'], key: () => 'site', value: (ctx) => ctx.output('cert', 'id'), ...consumerOptions });
  return [cert, consumer];
}

describe('create and update converge through the engine', () => {
  test('GIVEN a create that returns only an id WHEN up runs THEN the engine reads it back and updates it until it matches', async () => {
    const cloud = new Cloud();
    const state = newState();
    const resources = certAndConsumer(cloud, { current: 'a' });
    await engine(resources, state).apply(state);
    const certId = state.recorded('cert')?.id ?? '';
    assert.equal(cloud.instances.get(certId)?.value, 'issued');
    assert.deepEqual(cloud.log, ['create cert:a', 'update cert:a value=issued', 'create consumer:site', `update consumer:site value=${certId}`]);
  });

  test(`GIVEN an update that never takes effect WHEN up runs THEN it stops after ${CONVERGE_LIMIT} more updates with an error naming the field`, async () => {
    const cloud = new Cloud();
    const state = newState();
    const [cert] = certAndConsumer(cloud, { current: 'a' }, { updateIgnored: true });
    await assert.rejects(engine([cert!], state).apply(state), /creating cert \(i-1\): still differs after 3 updates \(value\)/);
    assert.equal(cloud.log.filter((entry) => entry.startsWith('update')).length, CONVERGE_LIMIT);
  });
});

describe('replace', () => {
  test('GIVEN the key changed WHEN up runs THEN it creates the new one, moves the dependent, then deletes the old one and forgets it', async () => {
    const cloud = new Cloud();
    const state = newState();
    const domain = { current: 'a' };
    const resources = certAndConsumer(cloud, domain);
    await engine(resources, state).apply(state);
    const oldId = state.recorded('cert')?.id ?? '';
    cloud.log.length = 0;
    domain.current = 'b';
    let retiredDuringCreate: string[] = [];
    const replacing = certAndConsumer(cloud, domain, { onCreate: () => { retiredDuringCreate = state.retired('cert').map((entry) => entry.id); } });

    const plan = await engine(replacing, state).plan();
    assert.deepEqual(plan.map((change) => [change.resource, change.action]), [['cert', 'replace'], ['consumer', 'update']]);
    assert.equal(plan[1]?.changes[0]?.to, '(known after apply)', 'the dependent shows the new id as unknown, not the old one');

    const performed = await engine(replacing, state).apply(state);
    const newId = state.recorded('cert')?.id ?? '';
    assert.deepEqual(cloud.log, ['create cert:b', 'update cert:b value=issued', `update consumer:site value=${newId}`, 'delete cert:a']);
    assert.deepEqual(retiredDuringCreate, [oldId], 'the old instance is retired in the state before the new one is made');
    assert.deepEqual(state.retired('cert'), []);
    assert.equal(cloud.instances.has(oldId), false);
    assert.deepEqual(performed.map((change) => `${change.action} ${change.resource}${change.reason ? ` (${change.reason})` : ''}`), ['replace cert', 'update consumer', 'delete cert (retired)']);
  });

  test('GIVEN the new instance fails to create WHEN up runs again THEN the retired one is still recorded, and the next run finishes the replacement', async () => {
    const cloud = new Cloud();
    const state = newState();
    const domain = { current: 'a' };
    await engine(certAndConsumer(cloud, domain), state).apply(state);
    const oldId = state.recorded('cert')?.id ?? '';
    domain.current = 'b';
    let broken = true;
    await assert.rejects(engine(certAndConsumer(cloud, domain, { failCreate: () => broken }), state).apply(state), /creating cert failed/);
    assert.deepEqual(state.retired('cert').map((entry) => entry.id), [oldId]);
    assert.equal(cloud.instances.has(oldId), true, 'nothing is deleted while the replacement does not exist');

    broken = false;
    cloud.log.length = 0;
    await engine(certAndConsumer(cloud, domain, { failCreate: () => broken }), state).apply(state);
    assert.deepEqual(cloud.log.filter((entry) => entry.startsWith('create') || entry.startsWith('delete')), ['create cert:b', 'delete cert:a']);
    assert.deepEqual(state.retired('cert'), []);
    assert.deepEqual([...cloud.instances.values()].map((instance) => instance.key).sort(), ['cert:b', 'consumer:site']);
  });

  test('GIVEN a dependent fails to move to the new instance WHEN up runs THEN the old one is kept and retired, and deleted once the dependent moved', async () => {
    const cloud = new Cloud();
    const state = newState();
    const domain = { current: 'a' };
    await engine(certAndConsumer(cloud, domain), state).apply(state);
    const oldId = state.recorded('cert')?.id ?? '';
    domain.current = 'b';
    await assert.rejects(engine(certAndConsumer(cloud, domain, {}, { updateIgnored: true }), state).apply(state), /still differs/);
    assert.equal(cloud.instances.has(oldId), true);
    assert.deepEqual(state.retired('cert').map((entry) => entry.id), [oldId]);

    const plan = await engine(certAndConsumer(cloud, domain), state).plan();
    assert.ok(plan.some((change) => change.action === 'delete' && change.reason === 'retired' && change.label === 'cert:cert:a'));
    await engine(certAndConsumer(cloud, domain), state).apply(state);
    assert.equal(cloud.instances.has(oldId), false);
    assert.deepEqual(state.retired('cert'), []);
  });

  test('GIVEN a retired entry whose instance is gone already WHEN up runs THEN it is dropped from the state without a delete call', async () => {
    const cloud = new Cloud();
    const state = newState();
    const domain = { current: 'a' };
    await engine(certAndConsumer(cloud, domain), state).apply(state);
    await state.retire('cert', { id: 'i-gone', outputs: {} });
    cloud.log.length = 0;
    await engine(certAndConsumer(cloud, domain), state).apply(state);
    assert.deepEqual(cloud.log, []);
    assert.deepEqual(state.retired('cert'), []);
  });

  test('GIVEN a resource that holds data WHEN its replacement is due THEN up refuses with one line naming --allow-data-loss, and with it deletes first', async () => {
    const cloud = new Cloud();
    const state = newState();
    const key = { current: 'v1' };
    const table = () => fakeKind(cloud, { name: 'table', key: () => key.current, value: () => 'ok', holdsData: true, replaceDeletesFirst: true });
    await engine([table()], state).apply(state);
    key.current = 'v2';
    cloud.log.length = 0;
    const plan = await engine([table()], state).plan();
    assert.equal(plan[0]?.needsAllowDataLoss, true);
    await assert.rejects(engine([table()], state).apply(state), (error: Error) => /would be replaced \(key: "table:v1" -> "table:v2"\), which deletes the data it holds; run up --allow-data-loss/.test(error.message) && !error.message.includes('\n'));
    assert.deepEqual(cloud.log, []);

    await engine([table()], state, { allowDataLoss: true }).apply(state);
    assert.deepEqual(cloud.log, ['delete table:v1', 'create table:v2', 'update table:v2 value=ok']);
    assert.deepEqual(state.retired('table'), []);
  });
});

describe('destroy', () => {
  test('GIVEN a retired instance left by a crash WHEN destroy runs THEN it deletes it after the current ones', async () => {
    const cloud = new Cloud();
    const state = newState();
    const domain = { current: 'a' };
    await engine(certAndConsumer(cloud, domain), state).apply(state);
    const oldId = state.recorded('cert')?.id ?? '';
    domain.current = 'b';
    await assert.rejects(engine(certAndConsumer(cloud, domain, {}, { updateIgnored: true }), state).apply(state));
    cloud.log.length = 0;
    const destroyer = engine(certAndConsumer(cloud, domain), state);
    const found = await destroyer.discover((name) => state.recorded(name), (name) => state.retired(name));
    assert.deepEqual(found.map((entry) => `${entry.label}${entry.reason ? ` (${entry.reason})` : ''}`), ['cert:cert:b', 'consumer:consumer:site', 'cert:cert:a (retired)']);
    await destroyer.deleteAll(found, state);
    assert.deepEqual(cloud.log, ['delete consumer:site', 'delete cert:b', 'delete cert:a']);
    assert.equal(cloud.instances.size, 0);
    assert.deepEqual(state.retired('cert').map((entry) => entry.id).filter((id) => id === oldId), []);
    assert.deepEqual(state.document.resources, {});
  });
});
