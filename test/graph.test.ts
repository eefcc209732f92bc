// The dependency graph on its own: order, failure skipping, cycle detection.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { topologicalOrder, walkGraph } from '../src/engine/graph.ts';
import { UserError } from '../src/errors.ts';

const node = (name: string, ...dependsOn: string[]) => ({ name, dependsOn });

describe('walkGraph', () => {
  test('runs a node only after its dependencies, and independent branches without waiting for each other', async () => {
    const nodes = [node('c', 'b'), node('b', 'a'), node('a'), node('x')];
    const finished: string[] = [];
    const result = await walkGraph(nodes, async (current) => {
      if (current.name === 'a') await new Promise((resolve) => setTimeout(resolve, 30));
      finished.push(current.name);
    });
    assert.deepEqual(result, { failed: new Map(), skipped: [] });
    assert.equal(finished[0], 'x', 'x does not wait for the slow a');
    assert.deepEqual(finished.filter((name) => name !== 'x'), ['a', 'b', 'c']);
  });

  test('a failed node skips everything downstream of it, and other branches run to the end', async () => {
    const nodes = [node('a'), node('b', 'a'), node('c', 'b'), node('d', 'a'), node('other')];
    const ran: string[] = [];
    const failure = new Error('b broke');
    const result = await walkGraph(nodes, async (current) => {
      ran.push(current.name);
      if (current.name === 'b') throw failure;
    });
    assert.deepEqual([...result.failed.entries()], [['b', failure]]);
    assert.deepEqual(result.skipped, ['c']);
    assert.deepEqual(ran.sort(), ['a', 'b', 'd', 'other']);
  });

  test('in reverse, dependents run first and a failed dependent keeps what it depends on', async () => {
    const nodes = [node('a'), node('b', 'a'), node('c', 'b')];
    const ran: string[] = [];
    const result = await walkGraph(nodes, async (current) => {
      ran.push(current.name);
      if (current.name === 'b') throw new Error('cannot delete b');
    }, { reverse: true });
    assert.deepEqual(ran, ['c', 'b']);
    assert.deepEqual(result.skipped, ['a']);
  });

  test('a dependency outside the set is ignored', async () => {
    const ran: string[] = [];
    await walkGraph([node('b', 'missing')], async (current) => {
      ran.push(current.name);
    });
    assert.deepEqual(ran, ['b']);
  });

  test('a cycle is refused before any task runs, naming the path', async () => {
    const ran: string[] = [];
    await assert.rejects(
      walkGraph([node('a', 'c'), node('b', 'a'), node('c', 'b'), node('free')], async (current) => {
        ran.push(current.name);
      }),
      (error: unknown) => error instanceof UserError && /resource graph has a cycle: a -> c -> b -> a/.test(error.message),
    );
    assert.deepEqual(ran, []);
  });
});

describe('topologicalOrder', () => {
  test('puts every node after its dependencies and keeps the given order otherwise', () => {
    const ordered = topologicalOrder([node('site', 'bucket', 'cdn'), node('bucket'), node('cdn', 'bucket'), node('table')]);
    assert.deepEqual(ordered.map((entry) => entry.name), ['bucket', 'cdn', 'site', 'table']);
  });

  test('a node that depends on itself is a cycle', () => {
    assert.throws(() => topologicalOrder([node('a', 'a')]), /cycle: a -> a/);
  });
});
