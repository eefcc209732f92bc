// Runs a task per node once the nodes it depends on are done, independent branches concurrently.
import { UserError } from '../errors.ts';

export interface GraphNode {
  name: string;
  dependsOn: readonly string[];
}

/** Orders nodes so every node comes after its dependencies; dependencies outside the set are ignored. */
export function topologicalOrder<N extends GraphNode>(nodes: readonly N[]): N[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const ordered: N[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: N, path: string[]): void => {
    const seen = state.get(node.name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new UserError(`resource graph has a cycle: ${[...path, node.name].join(' -> ')}`);
    state.set(node.name, 'visiting');
    for (const dependency of node.dependsOn) {
      const dependencyNode = byName.get(dependency);
      if (dependencyNode) visit(dependencyNode, [...path, node.name]);
    }
    state.set(node.name, 'done');
    ordered.push(node);
  };
  for (const node of nodes) visit(node, []);
  return ordered;
}

export interface WalkResult {
  failed: Map<string, unknown>;
  skipped: string[];
}

/**
 * Calls `task` for each node after its dependencies succeeded (or, with `reverse`, after its
 * dependents did). A failed node's downstream nodes are skipped; other branches run to the end.
 */
export async function walkGraph<N extends GraphNode>(
  nodes: readonly N[],
  task: (node: N) => Promise<void>,
  options: { reverse?: boolean } = {},
): Promise<WalkResult> {
  const names = new Set(nodes.map((node) => node.name));
  const waitsFor = new Map<string, string[]>();
  for (const node of nodes) waitsFor.set(node.name, []);
  for (const node of nodes) {
    for (const dependency of node.dependsOn) {
      if (!names.has(dependency)) continue;
      if (options.reverse) waitsFor.get(dependency)?.push(node.name);
      else waitsFor.get(node.name)?.push(dependency);
    }
  }
  topologicalOrder(nodes); // rejects cycles before anything runs
  const failed = new Map<string, unknown>();
  const skipped: string[] = [];
  const finished = new Map<string, Promise<boolean>>();
  const run = (node: N): Promise<boolean> => {
    const existing = finished.get(node.name);
    if (existing) return existing;
    const promise = (async () => {
      const upstream = await Promise.all((waitsFor.get(node.name) ?? []).map((name) => {
        const upstreamNode = nodes.find((candidate) => candidate.name === name);
        return upstreamNode ? run(upstreamNode) : Promise.resolve(true);
      }));
      if (upstream.some((ok) => !ok)) {
        skipped.push(node.name);
        return false;
      }
      try {
        await task(node);
        return true;
      } catch (error) {
        failed.set(node.name, error);
        return false;
      }
    })();
    finished.set(node.name, promise);
    return promise;
  };
  await Promise.all(nodes.map(run));
  return { failed, skipped };
}
