import type { Change } from '../engine/types.ts';

/**
 * Tag drift: a desired tag that is missing or has another value. Tags added by hand that the
 * config does not name are left alone.
 */
export function tagChanges(desired: Record<string, string>, actual: Record<string, string>): Change[] {
  return Object.entries(desired)
    .filter(([key, value]) => actual[key] !== value)
    .map(([key, value]) => ({ field: `tags.${key}`, from: actual[key], to: value }));
}

export function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function tagRecord(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const tag of list ?? []) if (tag.Key !== undefined) record[tag.Key] = tag.Value ?? '';
  return record;
}

/** Only the tags that changed, for a TagResource call. */
export function changedTags(desired: Record<string, string>, changes: Change[]): Record<string, string> {
  const keys = changes.filter((change) => change.field.startsWith('tags.')).map((change) => change.field.slice('tags.'.length));
  return Object.fromEntries(keys.map((key) => [key, desired[key] ?? '']));
}

export function hasChange(changes: Change[], field: string): boolean {
  return changes.some((change) => change.field === field || change.field.startsWith(`${field}.`));
}
