// The domain's A and AAAA alias records to the distribution, in the existing hosted zone.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { KNOWN_AFTER_APPLY, type Change, type Identity, type Observed, type ResourceContext, type ResourceKind } from '../engine/types.ts';
import type { RecordedResource } from '../state/document.ts';
import {
  CLOUDFRONT_HOSTED_ZONE_ID, deleteRecords, findRecord, fqdn, listRecords, requireHostedZone, upsertRecords, withoutDot, zoneFor, zoneOutputs,
  type HostedZone,
} from './hosted-zone.ts';

const TYPES = ['A', 'AAAA'] as const;
type AliasType = (typeof TYPES)[number];

interface DnsRecordsDesired {
  domain: string;
  target: string;
}

interface DnsRecordsActual extends Observed {
  domain: string;
  zone: HostedZone;
  /** Per type, the alias target as `<zone id> <dns name> <evaluate health>`, or undefined when missing or not an alias. */
  aliases: Record<AliasType, string | undefined>;
}

function aliasSetting(record: ResourceRecordSet | undefined): string | undefined {
  const alias = record?.AliasTarget;
  if (!alias) return undefined;
  return `${alias.HostedZoneId ?? ''} ${fqdn(alias.DNSName ?? '')} ${alias.EvaluateTargetHealth === true}`;
}

function desiredAlias(target: string): string {
  return target === KNOWN_AFTER_APPLY ? target : `${CLOUDFRONT_HOSTED_ZONE_ID} ${fqdn(target)} false`;
}

async function findAliasRecords(ctx: ResourceContext, zone: HostedZone, domain: string): Promise<DnsRecordsActual | undefined> {
  const [a, aaaa] = await Promise.all(TYPES.map((type) => findRecord(ctx, zone.id, domain, type)));
  if (!a && !aaaa) return undefined;
  return {
    id: `${zone.id}/${domain}`,
    outputs: { recordName: domain, ...zoneOutputs(zone) },
    domain,
    zone,
    aliases: { A: aliasSetting(a), AAAA: aliasSetting(aaaa) },
  };
}

/** The recorded name first: when the domain changes, diff replaces those records with the new name's. */
async function readRecords(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<DnsRecordsActual | undefined> {
  const domain = recorded?.outputs.recordName ?? ctx.config.domain;
  const zone = await zoneFor(ctx, recorded);
  return domain && zone ? findAliasRecords(ctx, zone, domain) : undefined;
}

async function upsertAliases(ctx: ResourceContext, desired: DnsRecordsDesired): Promise<Identity> {
  const zone = await requireHostedZone(ctx);
  await upsertRecords(ctx, zone.id, TYPES.map((type) => ({
    Name: fqdn(desired.domain),
    Type: type,
    AliasTarget: { HostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID, DNSName: desired.target, EvaluateTargetHealth: false },
  })), `resume-infra ${ctx.names.project}: ${desired.domain} to CloudFront`);
  // Not waiting for INSYNC: nothing later in the run resolves the name.
  return { id: `${zone.id}/${desired.domain}`, outputs: { recordName: desired.domain, ...zoneOutputs(zone) } };
}

/**
 * A/AAAA aliases in the project's zone that point at the project's distribution under a name the
 * state does not account for (left by a crash, or by hand). Nothing else: a record pointing at
 * another distribution, or not an alias, is not ours.
 */
async function orphanAliases(ctx: ResourceContext, keep: ReadonlySet<string>, recorded: RecordedResource | undefined): Promise<DnsRecordsActual[]> {
  const target = ctx.output('distribution', 'domainName');
  const zone = await zoneFor(ctx, recorded);
  if (target === KNOWN_AFTER_APPLY || !zone) return [];
  const ours = desiredAlias(target);
  const names = new Set((await listRecords(ctx, zone.id))
    .filter((record) => TYPES.some((type) => type === record.Type) && aliasSetting(record) === ours)
    .map((record) => withoutDot(record.Name ?? '')));
  const found = await Promise.all([...names].filter((name) => !keep.has(`${zone.id}/${name}`)).map((name) => findAliasRecords(ctx, zone, name)));
  return found.filter((actual): actual is DnsRecordsActual => actual !== undefined);
}

export const dnsRecords: ResourceKind<DnsRecordsDesired, DnsRecordsActual> = {
  name: 'dnsRecords',
  title: 'Route 53 alias records',
  dependsOn: ['distribution'],

  // The hosted zone is checked once, by the certificate, which this always comes with.
  enabled: (config) => config.domain !== undefined,

  label: (ctx, actual) => `${actual?.domain ?? ctx.config.domain ?? ''} A/AAAA`,

  desired: (ctx) => ({ domain: ctx.config.domain ?? '', target: ctx.output('distribution', 'domainName') }),

  read: (ctx, recorded) => readRecords(ctx, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    // Records are found by name: another name is another pair of records.
    if (actual.domain !== desired.domain) return [{ field: 'name', from: actual.domain, to: desired.domain, replace: true }];
    for (const type of TYPES) {
      const to = desiredAlias(desired.target);
      if (actual.aliases[type] !== to) changes.push({ field: type, from: actual.aliases[type], to });
    }
    return changes;
  },

  create: (ctx, desired) => upsertAliases(ctx, desired),

  async update(ctx, desired) {
    await upsertAliases(ctx, desired);
  },

  orphans: (ctx, keep, recorded) => orphanAliases(ctx, keep, recorded),

  async delete(ctx, actual) {
    // Only aliases to CloudFront: an address record someone else put at the name is not ours to remove.
    await deleteRecords(ctx, actual.zone.id, TYPES.map((type) => ({ name: actual.domain, type })), (record) => record.AliasTarget?.HostedZoneId === CLOUDFRONT_HOSTED_ZONE_ID);
  },
};
