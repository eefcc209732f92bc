// The domain's A and AAAA alias records to the distribution, in the existing hosted zone.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import type { RecordedResource } from '../state/document.ts';
import {
  CLOUDFRONT_HOSTED_ZONE_ID, deleteRecords, findRecord, fqdn, requireHostedZone, upsertRecords, zoneFor, zoneOutputs, type HostedZone,
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
  return `${CLOUDFRONT_HOSTED_ZONE_ID} ${fqdn(target)} false`;
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

async function readRecords(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<DnsRecordsActual | undefined> {
  const domain = ctx.config.domain ?? recorded?.outputs.recordName;
  const zone = await zoneFor(ctx, recorded);
  return domain && zone ? findAliasRecords(ctx, zone, domain) : undefined;
}

async function upsertAliases(ctx: ResourceContext, desired: DnsRecordsDesired): Promise<DnsRecordsActual> {
  const zone = await requireHostedZone(ctx);
  await upsertRecords(ctx, zone.id, TYPES.map((type) => ({
    Name: fqdn(desired.domain),
    Type: type,
    AliasTarget: { HostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID, DNSName: desired.target, EvaluateTargetHealth: false },
  })), `resume-infra ${ctx.names.project}: ${desired.domain} to CloudFront`);
  // Not waiting for INSYNC: nothing later in the run resolves the name.
  const written = await findAliasRecords(ctx, zone, desired.domain);
  if (!written) throw new Error(`upserting Route 53 records (${desired.domain}): not found right after the change`);
  return written;
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
    for (const type of TYPES) {
      const to = desiredAlias(desired.target);
      if (actual.aliases[type] !== to) changes.push({ field: type, from: actual.aliases[type], to });
    }
    return changes;
  },

  create: (ctx, desired) => upsertAliases(ctx, desired),

  update: (ctx, desired) => upsertAliases(ctx, desired),

  async delete(ctx, actual) {
    // Only aliases to CloudFront: an address record someone else put at the name is not ours to remove.
    await deleteRecords(ctx, actual.zone.id, TYPES.map((type) => ({ name: actual.domain, type })), (record) => record.AliasTarget?.HostedZoneId === CLOUDFRONT_HOSTED_ZONE_ID);
  },
};
