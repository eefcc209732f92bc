// Route 53 helpers shared by the certificate and the alias records: the hosted-zone finder and
// exact-record reads, UPSERTs and DELETEs. Not a resource: the zone must exist already.
import {
  ChangeResourceRecordSetsCommand, GetHostedZoneCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client,
  type ResourceRecordSet, type RRType,
} from '@aws-sdk/client-route-53';
import { ZONE_ID_PATTERN } from '../config.ts';
import type { ResourceContext } from '../engine/types.ts';
import { UserError } from '../errors.ts';
import { isRecordAlreadyGone } from '../aws/emulator-quirks.ts';
import type { Aws } from '../aws/clients.ts';
import { InFlight } from '../aws/in-flight.ts';
import { ignoreNotFound } from './not-found.ts';
import type { RecordedResource } from '../state/document.ts';

export interface HostedZone {
  /** Without the `/hostedzone/` prefix. */
  id: string;
  /** Without the trailing dot. */
  name: string;
}

/** CloudFront's fixed hosted zone id for alias records. */
export const CLOUDFRONT_HOSTED_ZONE_ID = 'Z2FDTNDATAQYW2';

/** A DNS name as Route 53 returns it: lowercase, with the trailing dot. */
export function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

export function withoutDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** The zones that may hold `domain`, longest first: the domain itself, then each parent above the top-level domain. */
export function zoneCandidates(domain: string, hostedZone?: string): string[] {
  if (hostedZone) return [hostedZone];
  const labels = domain.split('.');
  const candidates: string[] = [];
  for (let start = 0; start < labels.length - 1; start += 1) candidates.push(labels.slice(start).join('.'));
  return candidates;
}

async function publicZonesNamed(route53: Route53Client, name: string): Promise<HostedZone[]> {
  // ListHostedZonesByName starts at DNSName in name order; only exact names count. (moto returns
  // exact matches only, AWS also the zones after it, so compare either way.)
  const response = await route53.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 10 }));
  return (response.HostedZones ?? [])
    .filter((zone) => zone.Id !== undefined && zone.Name === fqdn(name) && zone.Config?.PrivateZone !== true)
    .map((zone) => ({ id: (zone.Id ?? '').replace(/^\/hostedzone\//, ''), name }));
}

// One lookup per run: the certificate's check, read and create and the alias records' read and
// upsert all ask for the zone, often at the same time. A run has one config object, so it keys
// the cache; a failed lookup is not kept.
/** What a zone look-up uses: a resource's context, or the project (whose config the engine's contexts share). */
type ZoneLookupContext = Pick<ResourceContext, 'config' | 'aws'>;

const zoneLookups = new WeakMap<ResourceContext['config'], Promise<HostedZone | undefined>>();

/** The public hosted zone for the config's domain: `hostedZone`, else the longest suffix of `domain` that has a zone. */
export function findHostedZone(ctx: ZoneLookupContext): Promise<HostedZone | undefined> {
  let lookup = zoneLookups.get(ctx.config);
  if (!lookup) {
    lookup = lookUpHostedZone(ctx);
    zoneLookups.set(ctx.config, lookup);
    lookup.catch(() => zoneLookups.delete(ctx.config));
  }
  return lookup;
}

/** The public zone with this id; undefined when there is none (or it is private). */
async function publicZoneById(route53: Route53Client, id: string): Promise<HostedZone | undefined> {
  const zone = (await ignoreNotFound('NoSuchHostedZone', () => route53.send(new GetHostedZoneCommand({ Id: id }))))?.HostedZone;
  if (!zone?.Name || zone.Config?.PrivateZone === true) return undefined;
  return { id, name: withoutDot(zone.Name) };
}

async function lookUpHostedZone(ctx: ZoneLookupContext): Promise<HostedZone | undefined> {
  return ctx.config.domain ? zoneOfDomain(ctx, ctx.config.domain) : undefined;
}

/** The zone for any domain of the project's (e.g. an orphan certificate's): the config's `hostedZone` only for the config's domain. */
export async function zoneOfDomain(ctx: ZoneLookupContext, domain: string): Promise<HostedZone | undefined> {
  const route53 = ctx.aws.globalClient(Route53Client);
  const hostedZone = domain === ctx.config.domain ? ctx.config.hostedZone : undefined;
  if (hostedZone && ZONE_ID_PATTERN.test(hostedZone)) {
    const zone = await publicZoneById(route53, hostedZone);
    if (zone && domain !== zone.name && !domain.endsWith(`.${zone.name}`)) {
      throw new UserError(`domain "${domain}" is not inside hosted zone ${hostedZone} (${zone.name}); set "hostedZone" to a zone the domain ends with`);
    }
    return zone;
  }
  for (const candidate of zoneCandidates(domain, hostedZone)) {
    const zones = await publicZonesNamed(route53, candidate);
    if (zones.length > 1) {
      throw new UserError(`${zones.length} public hosted zones are named ${candidate} (${zones.map((zone) => zone.id).join(', ')}); delete the ones your registrar does not delegate to`);
    }
    const zone = zones[0];
    if (zone) return zone;
  }
  return undefined;
}

/** Like findHostedZone, but a missing zone is a UserError naming what to create. */
export async function requireHostedZone(ctx: ResourceContext): Promise<HostedZone> {
  const zone = await findHostedZone(ctx);
  if (zone) return zone;
  const domain = ctx.config.domain ?? '';
  const tried = zoneCandidates(domain, ctx.config.hostedZone).join(', ');
  throw new UserError(`no public Route 53 hosted zone found for domain "${domain}" (looked for ${tried}); create the zone and delegate it at your registrar, or set "hostedZone" to the zone's name or id`);
}

/**
 * The zone a resource works in: found from the config's domain, else the one recorded in the
 * state (the domain was removed from the config, and what was made for it must still go).
 */
export async function zoneFor(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<HostedZone | undefined> {
  if (ctx.config.domain) return findHostedZone(ctx);
  const id = recorded?.outputs.hostedZoneId;
  const name = recorded?.outputs.hostedZoneName;
  return id && name ? { id, name } : undefined;
}

/** What a resource records about its zone, for zoneFor. */
export function zoneOutputs(zone: HostedZone | undefined): Record<string, string> {
  return zone ? { hostedZoneId: zone.id, hostedZoneName: zone.name } : {};
}

type RecordsFrom = { StartRecordName?: string; StartRecordType?: RRType; StartRecordIdentifier?: string };

/**
 * The zone's record sets a page at a time, from `from` (the start without), for as long as the
 * caller reads on. ListResourceRecordSets pages on a name, type and identifier, which the SDK has
 * no paginator for, hence the loop. A zone that does not exist gives no page.
 */
async function* recordPages(route53: Route53Client, zoneId: string, from: RecordsFrom = {}, maxItems?: number): AsyncGenerator<{ records: ResourceRecordSet[]; nextName: string | undefined }> {
  let start = from;
  for (;;) {
    const page = await ignoreNotFound('NoSuchHostedZone', () => route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start, ...(maxItems ? { MaxItems: maxItems } : {}) })));
    if (!page) return;
    yield { records: page.ResourceRecordSets ?? [], nextName: page.IsTruncated ? page.NextRecordName : undefined };
    if (!page.IsTruncated) return;
    start = {
      ...(page.NextRecordName ? { StartRecordName: page.NextRecordName } : {}),
      ...(page.NextRecordType ? { StartRecordType: page.NextRecordType } : {}),
      ...(page.NextRecordIdentifier ? { StartRecordIdentifier: page.NextRecordIdentifier } : {}),
    };
  }
}

/**
 * Listings of a whole zone, shared while in flight. A run that only reads Route 53 (`plan`, `up`
 * until it takes the lock, `destroy` while it looks) keeps them (keepRecordListings): the alias
 * records' orphan search lists the zone anyway, so the alias records at the domain and the
 * certificate's validation CNAMEs are found in that one listing instead of a
 * ListResourceRecordSets each (Route 53 allows an account five requests a second).
 */
const zoneListings = new InFlight<readonly ResourceRecordSet[]>();

/** For a run that writes no record until releaseRecordListings: every read of a zone's records answers from one listing. */
export function keepRecordListings(aws: Aws): void {
  zoneListings.keep(aws.globalClient(Route53Client));
}

/** Ends keepRecordListings (`up`, once it holds the lock): each later read is made again. */
export function releaseRecordListings(aws: Aws): void {
  zoneListings.release(aws.globalClient(Route53Client));
}

function zoneListing(route53: Route53Client, zoneId: string): Promise<readonly ResourceRecordSet[]> {
  return zoneListings.share(route53, zoneId, async () => {
    const records: ResourceRecordSet[] = [];
    for await (const page of recordPages(route53, zoneId)) records.push(...page.records);
    return records;
  });
}

/** Every record set in the zone. */
export function listRecords(ctx: Pick<ResourceContext, 'aws'>, zoneId: string): Promise<readonly ResourceRecordSet[]> {
  return zoneListing(ctx.aws.globalClient(Route53Client), zoneId);
}

/** The simple record sets (no weighted or other routing sets) at exactly `name` in a listing. */
function simpleSetsNamed(records: readonly ResourceRecordSet[], name: string): ResourceRecordSet[] {
  const wanted = fqdn(name);
  return records.filter((record) => fqdn(record.Name ?? '') === wanted && record.SetIdentifier === undefined);
}

/** A page for recordsNamed: the types a name usually holds (A, AAAA, CNAME, MX, TXT, CAA...), and the next name. */
const RECORDS_PER_NAME = 12;

/**
 * The record sets at exactly this name (no weighted or other routing sets), every type in one
 * request: Route 53 lists in name order, then type, so they are one run from the name on. More
 * pages only when the name holds more sets than a page.
 */
export async function recordsNamed(route53: Route53Client, zoneId: string, name: string): Promise<ResourceRecordSet[]> {
  if (zoneListings.keeps(route53)) return simpleSetsNamed(await zoneListing(route53, zoneId), name);
  const wanted = fqdn(name);
  const found: ResourceRecordSet[] = [];
  for await (const page of recordPages(route53, zoneId, { StartRecordName: wanted }, RECORDS_PER_NAME)) {
    found.push(...simpleSetsNamed(page.records, wanted));
    if (page.nextName === undefined || fqdn(page.nextName) !== wanted) break;
  }
  return found;
}

/** The record set with exactly this name and type, or undefined. */
export async function findRecord(ctx: Pick<ResourceContext, 'aws'>, zoneId: string, name: string, type: RRType): Promise<ResourceRecordSet | undefined> {
  const route53 = ctx.aws.globalClient(Route53Client);
  if (zoneListings.keeps(route53)) return (await recordsNamed(route53, zoneId, name)).find((record) => record.Type === type);
  const response = await ignoreNotFound('NoSuchHostedZone', () => route53.send(new ListResourceRecordSetsCommand({
    HostedZoneId: zoneId, StartRecordName: fqdn(name), StartRecordType: type, MaxItems: 1,
  })));
  // The list starts at the name; the first entry is another record when this one is missing.
  return simpleSetsNamed(response?.ResourceRecordSets ?? [], name).find((record) => record.Type === type);
}

export async function upsertRecords(ctx: Pick<ResourceContext, 'aws'>, zoneId: string, records: ResourceRecordSet[], comment: string): Promise<void> {
  if (records.length === 0) return;
  const route53 = ctx.aws.globalClient(Route53Client);
  // Always UPSERT: CREATE fails on AWS when the record exists (and silently duplicates on moto).
  await changingZone(route53, zoneId, () => route53.send(new ChangeResourceRecordSetsCommand({
    HostedZoneId: zoneId,
    ChangeBatch: { Comment: comment, Changes: records.map((record) => ({ Action: 'UPSERT', ResourceRecordSet: record })) },
  })));
}

/** A change to the zone's records: a listing made before it, or while it is on its way, answers no later read. */
async function changingZone<T>(route53: Route53Client, zoneId: string, change: () => Promise<T>): Promise<T> {
  zoneListings.forget(route53, zoneId);
  try {
    return await change();
  } finally {
    zoneListings.forget(route53, zoneId);
  }
}

/**
 * Deletes each record that still exists and passes `ours`, with the exact values Route 53 holds
 * (DELETE must match them). A record or zone that is already gone is success.
 */
export async function deleteRecords(
  ctx: ResourceContext,
  zoneId: string,
  wanted: Array<{ name: string; type: RRType }>,
  ours: (record: ResourceRecordSet) => boolean = () => true,
): Promise<void> {
  const route53 = ctx.aws.globalClient(Route53Client);
  for (const { name, type } of wanted) {
    const current = await findRecord(ctx, zoneId, name, type);
    if (!current || !ours(current)) continue;
    try {
      await changingZone(route53, zoneId, () => route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: current }] } })));
    } catch (error) {
      if (!isRecordAlreadyGone(error)) throw error;
    }
  }
}
