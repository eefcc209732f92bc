// The A and AAAA alias records to the distribution, in the existing hosted zone: for the domain
// and for every name that redirects to it. One resource for all the names: a name added to the
// config gets its records, a name removed loses them, both in place.
import { Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { KNOWN_AFTER_APPLY, type Change, type Identity, type Observed, type ResourceContext, type ResourceKind } from '../engine/types.ts';
import { UserError } from '../errors.ts';
import type { RecordedResource } from '../state/document.ts';
import {
  CLOUDFRONT_HOSTED_ZONE_ID, deleteRecords, findHostedZone, fqdn, listRecords, recordsNamed, requireHostedZone, upsertRecords, withoutDot, zoneFor, zoneOutputs,
  type HostedZone,
} from './hosted-zone.ts';
import { allSiteNames, redirectNames } from './redirect-names.ts';

const TYPES = ['A', 'AAAA'] as const;
type AliasType = (typeof TYPES)[number];
/** Per type, the alias target as `<zone id> <dns name> <evaluate health>`, or undefined when missing or not an alias. */
type Aliases = Record<AliasType, string | undefined>;

interface DnsRecordsDesired {
  /** The domain first, then the redirect names. */
  names: string[];
  target: string;
}

interface DnsRecordsActual extends Observed {
  /** The name the records are known by: the domain (an orphan's own name). */
  domain: string;
  zone: HostedZone;
  /** Every name looked at that has an A or AAAA record. */
  records: Record<string, Aliases>;
}

function aliasSetting(record: ResourceRecordSet | undefined): string | undefined {
  const alias = record?.AliasTarget;
  if (!alias) return undefined;
  return `${alias.HostedZoneId ?? ''} ${fqdn(alias.DNSName ?? '')} ${alias.EvaluateTargetHealth === true}`;
}

function desiredAlias(target: string): string {
  return target === KNOWN_AFTER_APPLY ? target : `${CLOUDFRONT_HOSTED_ZONE_ID} ${fqdn(target)} false`;
}

/** The names the state records (older states name only the domain). */
function recordedNames(recorded: RecordedResource | undefined): string[] {
  const names = recorded?.outputs.recordNames ?? recorded?.outputs.recordName;
  return names ? names.split(',') : [];
}

/**
 * The names to look at: those the state records, and those the config asks for. Not the config's
 * in a destroy of a recorded instance: a retired instance must never take the current names
 * with it (records the state missed after a crash are orphans, which destroy sweeps).
 */
async function namesToRead(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<string[]> {
  const fromConfig = ctx.mode === 'destroy' && recorded ? [] : await allSiteNames(ctx);
  return [...new Set([...fromConfig, ...recordedNames(recorded)])];
}

async function findAliasRecords(ctx: ResourceContext, zone: HostedZone, domain: string, names: readonly string[]): Promise<DnsRecordsActual | undefined> {
  const records: Record<string, Aliases> = {};
  await Promise.all(names.map(async (name) => {
    const atName = await recordsNamed(ctx.aws.globalClient(Route53Client), zone.id, name);
    const [a, aaaa] = TYPES.map((type) => atName.find((record) => record.Type === type));
    if (a || aaaa) records[name] = { A: aliasSetting(a), AAAA: aliasSetting(aaaa) };
  }));
  const found = names.filter((name) => records[name] !== undefined);
  if (found.length === 0) return undefined;
  return {
    id: `${zone.id}/${domain}`,
    outputs: { recordName: domain, recordNames: found.join(','), ...zoneOutputs(zone) },
    domain,
    zone,
    records,
  };
}

async function readRecords(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<DnsRecordsActual | undefined> {
  const domain = ctx.mode === 'destroy' && recorded ? recorded.outputs.recordName : ctx.config.domain ?? recorded?.outputs.recordName;
  const zone = await zoneFor(ctx, recorded);
  return domain && zone ? findAliasRecords(ctx, zone, domain, await namesToRead(ctx, recorded)) : undefined;
}

/** UPSERTs every wanted name's aliases, then deletes the records of the names no longer wanted. */
async function putAliases(ctx: ResourceContext, desired: DnsRecordsDesired, actual?: DnsRecordsActual): Promise<Identity> {
  const zone = await requireHostedZone(ctx);
  const [domain = ''] = desired.names;
  await upsertRecords(ctx, zone.id, desired.names.flatMap((name) => TYPES.map((type) => ({
    Name: fqdn(name),
    Type: type,
    AliasTarget: { HostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID, DNSName: desired.target, EvaluateTargetHealth: false },
  }))), `resume-infra ${ctx.names.project}: ${desired.names.join(', ')} to CloudFront`);
  // Not waiting for INSYNC: nothing later in the run resolves the names.
  if (actual) await deleteAliases(ctx, actual.zone, Object.keys(actual.records).filter((name) => !desired.names.includes(name)));
  return { id: `${zone.id}/${domain}`, outputs: { recordName: domain, recordNames: desired.names.join(','), ...zoneOutputs(zone) } };
}

/** Only aliases to CloudFront: an address record someone else put at the name is not ours to remove. */
async function deleteAliases(ctx: ResourceContext, zone: HostedZone, names: readonly string[]): Promise<void> {
  const wanted = names.flatMap((name) => TYPES.map((type) => ({ name, type })));
  await deleteRecords(ctx, zone.id, wanted, (record) => record.AliasTarget?.HostedZoneId === CLOUDFRONT_HOSTED_ZONE_ID);
}

/** The names that have records, the domain first. */
function labelNames(actual: DnsRecordsActual): string[] {
  const others = Object.keys(actual.records).filter((name) => name !== actual.domain).sort();
  return actual.records[actual.domain] ? [actual.domain, ...others] : others;
}

/**
 * A redirect name that already has a record of someone else's (a CNAME, or an address that is not
 * an alias to CloudFront) is refused before anything changes: UPSERT would overwrite the address,
 * and Route 53 rejects an A record beside a CNAME. Most often `www.` of an apex domain, by default.
 */
async function checkRedirectRecords(ctx: ResourceContext): Promise<void> {
  // A missing zone is the certificate's check to report.
  const zone = await findHostedZone(ctx);
  if (!zone) return;
  for (const name of await redirectNames(ctx)) {
    const records = (await recordsNamed(ctx.aws.globalClient(Route53Client), zone.id, name)).filter((record) => record.Type === 'CNAME' || TYPES.some((type) => type === record.Type));
    const foreign = records.find((record) => record.AliasTarget?.HostedZoneId !== CLOUDFRONT_HOSTED_ZONE_ID);
    if (!foreign) continue;
    const source = ctx.config.redirectFrom ? 'it is in "redirectFrom"' : `it redirects to the apex domain by default`;
    throw new UserError(`${name} already has a ${foreign.Type ?? ''} record in hosted zone ${zone.name} (${zone.id}), and ${source}; delete that record, or set "redirectFrom" to the names to redirect (e.g. [] for none)`);
  }
}

/**
 * A/AAAA aliases in the project's zone that point at the project's distribution under a name
 * neither the state nor the config accounts for (left by a crash, or by hand). Nothing else: a
 * record pointing at another distribution, or not an alias, is not ours.
 */
async function orphanAliases(ctx: ResourceContext, keepRead: Promise<ReadonlySet<string>>, recorded: RecordedResource | undefined): Promise<DnsRecordsActual[]> {
  const zone = await zoneFor(ctx, recorded);
  if (!zone) return [];
  // The zone is listed while the resources are read; the distribution's name is known once it
  // was read, as `keep` is.
  const listing = listRecords(ctx, zone.id);
  listing.catch(() => undefined); // awaited below
  const keep = await keepRead;
  const target = ctx.output('distribution', 'domainName');
  if (target === KNOWN_AFTER_APPLY) return [];
  const ours = desiredAlias(target);
  const accounted = new Set(await namesToRead(ctx, recorded));
  const names = new Set((await listing)
    .filter((record) => TYPES.some((type) => type === record.Type) && aliasSetting(record) === ours)
    .map((record) => withoutDot(record.Name ?? '')));
  const orphans = [...names].filter((name) => !accounted.has(name) && !keep.has(`${zone.id}/${name}`));
  const found = await Promise.all(orphans.map((name) => findAliasRecords(ctx, zone, name, [name])));
  return found.filter((actual): actual is DnsRecordsActual => actual !== undefined);
}

export const dnsRecords: ResourceKind<DnsRecordsDesired, DnsRecordsActual> = {
  name: 'dnsRecords',
  title: 'Route 53 alias records',
  dependsOn: ['distribution'],

  // The hosted zone itself is checked by the certificate, which this always comes with.
  enabled: (config) => config.domain !== undefined,

  label: (ctx, actual) => `${actual ? labelNames(actual).join(', ') : ctx.config.domain ?? ''} A/AAAA`,

  check: (ctx) => checkRedirectRecords(ctx),

  desired: async (ctx) => ({ names: await allSiteNames(ctx), target: ctx.output('distribution', 'domainName') }),

  read: (ctx, recorded) => readRecords(ctx, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    const to = desiredAlias(desired.target);
    for (const name of desired.names) {
      for (const type of TYPES) {
        const from = actual.records[name]?.[type];
        if (from !== to) changes.push({ field: `${name} ${type}`, from, to });
      }
    }
    // A name no longer wanted: its records are deleted.
    for (const [name, aliases] of Object.entries(actual.records).sort(([a], [b]) => a.localeCompare(b))) {
      if (desired.names.includes(name)) continue;
      for (const type of TYPES) if (aliases[type] !== undefined) changes.push({ field: `${name} ${type}`, from: aliases[type], to: undefined });
    }
    return changes;
  },

  create: (ctx, desired) => putAliases(ctx, desired),

  async update(ctx, desired, actual) {
    await putAliases(ctx, desired, actual);
  },

  orphans: (ctx, keep, recorded) => orphanAliases(ctx, keep, recorded),

  async delete(ctx, actual) {
    await deleteAliases(ctx, actual.zone, Object.keys(actual.records));
  },
};
