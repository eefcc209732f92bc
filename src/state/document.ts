// The state document: what the tool made, so that the next run finds it by id.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import '../zod-setup.ts';
import { UserError } from '../errors.ts';

export const STATE_FORMAT_VERSION = 1;

const recordedSchema = z.object({
  id: z.string(),
  arn: z.string().optional(),
  outputs: z.record(z.string(), z.string()),
  updatedAt: z.string(),
});

/**
 * An instance superseded by a replacement and not yet deleted (Terraform's "deposed" object).
 * Kept here until its delete succeeds, so a crash between the two never forgets it.
 */
const retiredSchema = recordedSchema.extend({
  resource: z.string(),
  retiredAt: z.string(),
});

/** Which site release is live, the one live before it, and the one a rollback left (until a deploy or a rollback back to it). */
const siteSchema = z.object({
  live: z.string(),
  previous: z.string().optional(),
  rolledBackFrom: z.string().optional(),
  updatedAt: z.string(),
});

const documentSchema = z.object({
  formatVersion: z.literal(STATE_FORMAT_VERSION),
  serial: z.number().int().nonnegative(),
  lineage: z.string(),
  project: z.string(),
  account: z.string(),
  region: z.string(),
  resources: z.record(z.string(), recordedSchema),
  /** Absent in documents written before replacements existed; same format version, since nothing else changed. */
  retired: z.array(retiredSchema).optional(),
  /** Absent before releases existed (and before the first release); same format version, as for `retired`. */
  site: siteSchema.optional(),
  outputs: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type RecordedResource = z.infer<typeof recordedSchema>;
export type RetiredResource = z.infer<typeof retiredSchema>;
export type SiteRecord = z.infer<typeof siteSchema>;
export type StateDocument = z.infer<typeof documentSchema>;

export function emptyState(project: string, account: string, region: string): StateDocument {
  const now = new Date().toISOString();
  return { formatVersion: STATE_FORMAT_VERSION, serial: 0, lineage: randomUUID(), project, account, region, resources: {}, outputs: {}, createdAt: now, updatedAt: now };
}

/** Parses a stored state body; a document this version cannot read is a UserError naming the fix. */
export function parseState(body: string, location: string, project: string): StateDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new UserError(`state ${location} is not JSON; restore an earlier version from the state bucket's version history, or delete it and run up to adopt what exists`);
  }
  const version = typeof raw === 'object' && raw !== null ? (raw as { formatVersion?: unknown }).formatVersion : undefined;
  if (version !== STATE_FORMAT_VERSION) {
    throw new UserError(`state ${location} has formatVersion ${JSON.stringify(version)}, and this resume-infra reads version ${STATE_FORMAT_VERSION}; use the resume-infra version that wrote it, or restore an earlier version`);
  }
  const result = documentSchema.safeParse(raw);
  if (!result.success) {
    const where = result.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new UserError(`state ${location} is damaged (bad ${where}); restore an earlier version from the state bucket's version history`);
  }
  if (result.data.project !== project) {
    throw new UserError(`state ${location} belongs to project "${result.data.project}", not "${project}"; set a different state.key in the config`);
  }
  return result.data;
}
