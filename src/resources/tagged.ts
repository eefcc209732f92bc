// Orphans by tag: what the tagging API finds with the project's tag in one service, minus what
// the state accounts for. The tagging API lags behind a create, which suits a sweep: a run that
// has just made something finds it by name, and the next sweep by tag.
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { TAG_KEY } from '../config.ts';
import type { ResourceContext } from '../engine/types.ts';

interface Batch {
  services: Set<string>;
  arns: Promise<string[]>;
}

/** Lookups asked for in the same turn of the event loop, per client and project: one request serves them all. */
const pending = new WeakMap<object, Map<string, Batch>>();

async function taggedArnsOf(ctx: ResourceContext, services: readonly string[]): Promise<string[]> {
  const arns: string[] = [];
  const client = ctx.aws.client(ResourceGroupsTaggingAPIClient);
  for await (const page of paginateGetResources({ client }, { TagFilters: [{ Key: TAG_KEY, Values: [ctx.names.project] }], ResourceTypeFilters: [...services].sort() })) {
    for (const mapping of page.ResourceTagMappingList ?? []) if (mapping.ResourceARN) arns.push(mapping.ResourceARN);
  }
  return arns.sort();
}

/**
 * The ARNs tagged for the project in `service` (a tagging-API type filter naming a service, such
 * as `dynamodb`), in the project's region. The orphan searches of a plan all start together, so
 * those asked for in one turn of the event loop share one GetResources with every service in its
 * type filter, and each takes the ARNs of its own service.
 */
function taggedArns(ctx: ResourceContext, service: string): Promise<string[]> {
  const client = ctx.aws.client(ResourceGroupsTaggingAPIClient);
  let batches = pending.get(client);
  if (!batches) pending.set(client, batches = new Map());
  const key = ctx.names.project;
  let batch = batches.get(key);
  if (!batch) {
    const services = new Set<string>();
    const open = batches;
    const arns = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      open.delete(key);
      return taggedArnsOf(ctx, [...services]);
    });
    batch = { services, arns };
    batches.set(key, batch);
  }
  batch.services.add(service);
  return batch.arns.then((arns) => arns.filter((arn) => arn.split(':')[2] === service));
}

/**
 * Tagged resources of one kind whose name (taken from the ARN by `nameOf`; undefined for another
 * resource type of the service) is not in `keep`, each read with the kind's own finder.
 */
export async function orphansByTag<Actual>(
  ctx: ResourceContext,
  keep: Promise<ReadonlySet<string>>,
  service: string,
  nameOf: (arn: string) => string | undefined,
  find: (name: string) => Promise<Actual | undefined>,
): Promise<Actual[]> {
  const arns = await taggedArns(ctx, service);
  const kept = await keep;
  const names = arns.map(nameOf).filter((name): name is string => name !== undefined && !kept.has(name));
  const found: Actual[] = [];
  for (const name of names) {
    const actual = await find(name);
    if (actual !== undefined) found.push(actual);
  }
  return found;
}

/** The part of an ARN after `marker` (e.g. `:table/`), or undefined when the ARN has none. */
export function arnName(arn: string, marker: string): string | undefined {
  const at = arn.indexOf(marker);
  return at < 0 ? undefined : arn.slice(at + marker.length);
}
