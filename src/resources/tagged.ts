// Orphans by tag: what the tagging API finds with the project's tag in one service, minus what
// the state accounts for. The tagging API lags behind a create, which suits a sweep: a run that
// has just made something finds it by name, and the next sweep by tag.
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { TAG_KEY } from '../config.ts';
import type { ResourceContext } from '../engine/types.ts';

/** The ARNs tagged for the project in `service` (a tagging-API type filter such as `dynamodb`), in the project's region. */
async function taggedArns(ctx: ResourceContext, service: string): Promise<string[]> {
  const arns: string[] = [];
  const client = ctx.aws.client(ResourceGroupsTaggingAPIClient);
  for await (const page of paginateGetResources({ client }, { TagFilters: [{ Key: TAG_KEY, Values: [ctx.names.project] }], ResourceTypeFilters: [service] })) {
    for (const mapping of page.ResourceTagMappingList ?? []) if (mapping.ResourceARN) arns.push(mapping.ResourceARN);
  }
  return arns.sort();
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
