// The ACM certificate for the domain, in us-east-1 (the only region CloudFront takes
// certificates from) whatever the project's region. DNS-validated: the validation CNAMEs are
// UPSERTed into the hosted zone, then the run waits for ISSUED.
import { createHash } from 'node:crypto';
import {
  ACMClient, AddTagsToCertificateCommand, DeleteCertificateCommand, DescribeCertificateCommand, ListTagsForCertificateCommand,
  KeyAlgorithm, paginateListCertificates, RequestCertificateCommand, waitUntilCertificateValidated, type CertificateDetail, type CertificateStatus,
} from '@aws-sdk/client-acm';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { TAG_KEY } from '../config.ts';
import { errorName, UserError } from '../errors.ts';
import { readAfterCreate } from '../aws/not-yet.ts';
import { isDeletedCertificateTokenAnswer } from '../aws/emulator-quirks.ts';
import { ignoreNotFound } from './not-found.ts';
import { readAhead } from './read-ahead.ts';
import type { RecordedResource } from '../state/document.ts';
import { deleteRecords, findRecord, fqdn, requireHostedZone, upsertRecords, zoneFor, zoneOfDomain, zoneOutputs, type HostedZone } from './hosted-zone.ts';
import { checkRedirectNames, redirectNames } from './redirect-names.ts';
import { changedTags, hasChange, tagChanges, tagList, tagRecord } from './tags.ts';

/** How long `up` waits for ISSUED: DNS validation takes minutes once the zone is delegated. */
const DEFAULT_VALIDATION_TIMEOUT_SECONDS = 45 * 60;
// The waiter's delays double from minDelay (with jitter) up to maxDelay: the first polls come
// quickly, for a zone whose records resolve at once, then every 30 s at most for a slow one
// (about 90 DescribeCertificate calls over 45 minutes, far under ACM's rate limit).
const VALIDATION_POLL = { minDelay: 0.5, maxDelay: 30 };
/** Tests and impatient users can shorten the wait. */
export const VALIDATION_TIMEOUT_ENV = 'RESUME_INFRA_CERT_TIMEOUT_SECONDS';
const VALIDATION_TTL = 300;
/** Statuses a certificate can still be (or become) usable from; one in another status is replaced. */
const USABLE: readonly string[] = ['ISSUED', 'PENDING_VALIDATION'];
/** How many idempotency tokens a request tries before giving up (see requestCertificate). */
const TOKEN_CHAIN_LENGTH = 8;

interface ValidationRecord {
  name: string;
  value: string;
}

interface CertificateDesired {
  domain: string;
  /** The other names it covers (the redirect names), sorted. */
  alternativeNames: string[];
  tags: Record<string, string>;
}

interface CertificateActual extends Observed {
  arn: string;
  domain: string;
  /** SubjectAlternativeNames without the domain itself, sorted. */
  alternativeNames: string[];
  status: string;
  validationRecords: ValidationRecord[];
  /** Whether every validation CNAME is in the zone with its value; undefined when the zone was not found. */
  validationRecordsPresent: boolean | undefined;
  zone: HostedZone | undefined;
  tags: Record<string, string>;
}

function validationTimeoutSeconds(): number {
  const raw = process.env[VALIDATION_TIMEOUT_ENV];
  const seconds = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(seconds) && seconds > 2 ? seconds : DEFAULT_VALIDATION_TIMEOUT_SECONDS;
}

/**
 * ACM honours the same token for an hour, so a run that crashed after RequestCertificate gets the
 * same certificate back. The n-th token of the chain follows from the one before, so every run
 * walks the same chain: see requestCertificate.
 */
export function idempotencyToken(project: string, domain: string, alternativeNames: readonly string[] = [], step = 0): string {
  // Without other names the token is the one a certificate for the domain alone always had.
  const names = [domain, ...[...alternativeNames].sort()].join(',');
  let token = createHash('sha256').update(`${project}:${names}`).digest('hex').slice(0, 32);
  for (let index = 0; index < step; index += 1) token = createHash('sha256').update(`${token}:next`).digest('hex').slice(0, 32);
  return token;
}

/** The names a certificate covers besides its DomainName (AWS lists the DomainName among the SANs too). */
function alternativeNamesOf(certificate: CertificateDetail): string[] {
  return [...new Set(certificate.SubjectAlternativeNames ?? [])].filter((name) => name !== certificate.DomainName).sort();
}

/**
 * The validation CNAMEs, sorted by domain (AWS gives no order), one per distinct record name:
 * ACM may give several of a certificate's names the same record.
 */
function validationRecordsOf(certificate: CertificateDetail): ValidationRecord[] {
  const options = [...(certificate.DomainValidationOptions ?? [])].sort((a, b) => (a.DomainName ?? '').localeCompare(b.DomainName ?? ''));
  const records = new Map<string, ValidationRecord>();
  for (const option of options) {
    const record = option.ResourceRecord;
    if (record?.Name && record.Value) records.set(fqdn(record.Name), { name: fqdn(record.Name), value: record.Value });
  }
  return [...records.values()];
}

async function describe(ctx: ResourceContext, arn: string): Promise<CertificateDetail | undefined> {
  return (await ignoreNotFound('ResourceNotFoundException', () => ctx.aws.globalClient(ACMClient).send(new DescribeCertificateCommand({ CertificateArn: arn }))))?.Certificate;
}

/** Looks up a validation CNAME in the certificate's zone. */
type RecordLookup = (zone: HostedZone, name: string) => Promise<ResourceRecordSet | undefined>;

async function validationRecordsPresent(zone: HostedZone | undefined, records: ValidationRecord[], lookUp: RecordLookup): Promise<boolean | undefined> {
  if (!zone || records.length === 0) return undefined;
  const found = await Promise.all(records.map((record) => lookUp(zone, record.name)));
  return records.every((record, index) => found[index]?.ResourceRecords?.[0]?.Value === record.value);
}

/**
 * The validation CNAMEs the state names (`recordNames`) are looked up as soon as `zoneRead`
 * answers, not after the certificate's description, which gives their names: the lookup returned
 * answers from those early reads, and reads a name the state did not name itself.
 */
function validationLookup(ctx: ResourceContext, zoneRead: Promise<HostedZone | undefined>, recordNames: readonly string[]): RecordLookup {
  const early = new Map(recordNames.map((name) => [name, readAhead(true, async () => {
    const zone = await zoneRead;
    return zone && findRecord(ctx, zone.id, name, 'CNAME');
  })]));
  return (zone, name) => early.get(name)?.() ?? findRecord(ctx, zone.id, name, 'CNAME');
}

/** What the state records of the validation records: their names, for validationLookup. */
const VALIDATION_RECORDS_OUTPUT = 'validationRecordNames';

/**
 * The certificate, its tags, its zone and (with the names the state records) its validation
 * records are read at once, not one after the other: on a plan these are the longest chain of reads.
 */
async function findCertificateByArn(
  ctx: ResourceContext, arn: string, zoneLookup: HostedZone | undefined | Promise<HostedZone | undefined>, recordNames: readonly string[] = [],
): Promise<CertificateActual | undefined> {
  const zoneRead = Promise.resolve(zoneLookup);
  const lookUp = validationLookup(ctx, zoneRead, recordNames);
  const [certificate, tags, zone] = await Promise.all([
    describe(ctx, arn),
    ignoreNotFound('ResourceNotFoundException', () => ctx.aws.globalClient(ACMClient).send(new ListTagsForCertificateCommand({ CertificateArn: arn }))),
    zoneRead,
  ]);
  if (!certificate?.DomainName || !tags) return undefined;
  const records = validationRecordsOf(certificate);
  return {
    id: arn,
    arn,
    outputs: {
      certificateArn: arn, domain: certificate.DomainName, ...zoneOutputs(zone),
      ...(records.length > 0 ? { [VALIDATION_RECORDS_OUTPUT]: records.map((record) => record.name).join(',') } : {}),
    },
    domain: certificate.DomainName,
    alternativeNames: alternativeNamesOf(certificate),
    status: certificate.Status ?? 'UNKNOWN',
    validationRecords: records,
    validationRecordsPresent: await validationRecordsPresent(zone, records, lookUp),
    zone,
    tags: tagRecord(tags.Tags),
  };
}

type Listed = { arn: string; domain: string; status: string };

/**
 * Every certificate tagged for this project in us-east-1, whatever its domain and status. The
 * tags of `assumeKept` (the recorded certificate, which the orphan search keeps when it exists)
 * are not read: it comes back in `unchecked` instead, for the caller to check should it not be
 * kept after all.
 */
async function taggedCertificates(ctx: ResourceContext, assumeKept?: string): Promise<{ tagged: Listed[]; unchecked: Listed[] }> {
  const acm = ctx.aws.globalClient(ACMClient);
  const tagged: Listed[] = [];
  const unchecked: Listed[] = [];
  for await (const page of paginateListCertificates({ client: acm }, {})) {
    for (const summary of page.CertificateSummaryList ?? []) {
      const arn = summary.CertificateArn;
      if (!arn) continue;
      const listed = { arn, domain: summary.DomainName ?? '', status: summary.Status ?? '' };
      if (arn === assumeKept) unchecked.push(listed);
      else if (await taggedForProject(ctx, arn)) tagged.push(listed);
    }
  }
  return { tagged, unchecked };
}

async function taggedForProject(ctx: ResourceContext, arn: string): Promise<boolean> {
  const tags = await ignoreNotFound('ResourceNotFoundException', () => ctx.aws.globalClient(ACMClient).send(new ListTagsForCertificateCommand({ CertificateArn: arn })));
  return tagRecord(tags?.Tags)[TAG_KEY] === ctx.names.project;
}

/**
 * The validation CNAMEs that another pending or issued certificate in the account also uses. ACM
 * gives every certificate for a name in an account the same CNAME and renews with it ("DNS
 * validation" in the ACM user guide), e.g. a replacement certificate for the same domain, or one
 * the user made by hand: deleting the record would stop that one from renewing.
 */
async function recordsUsedByOthers(ctx: ResourceContext, arn: string, records: readonly ValidationRecord[]): Promise<Set<string>> {
  const used = new Set<string>();
  // A validation record is named "_<token>.<domain>.": the certificates to look at are those for these domains.
  const domains = new Set(records.map((record) => record.name.slice(record.name.indexOf('.') + 1)));
  if (domains.size === 0) return used;
  const covers = (name: string | undefined) => name !== undefined && domains.has(fqdn(name.startsWith('*.') ? name.slice(2) : name));
  const acm = ctx.aws.globalClient(ACMClient);
  const filter = { CertificateStatuses: [...USABLE] as CertificateStatus[], Includes: { keyTypes: Object.values(KeyAlgorithm) } };
  for await (const page of paginateListCertificates({ client: acm }, filter)) {
    for (const summary of page.CertificateSummaryList ?? []) {
      if (!summary.CertificateArn || summary.CertificateArn === arn) continue;
      if (!covers(summary.DomainName) && !(summary.SubjectAlternativeNameSummaries ?? []).some(covers)) continue;
      const other = await describe(ctx, summary.CertificateArn);
      for (const record of other ? validationRecordsOf(other) : []) used.add(record.name);
    }
  }
  return used;
}

/** Tagged certificates that are neither the current one nor retired: left by a crash, or by hand. Each with its zone, so its validation CNAMEs go too. */
async function orphanCertificates(ctx: ResourceContext, keep: Promise<ReadonlySet<string>>, recorded: RecordedResource | undefined): Promise<CertificateActual[]> {
  const orphans: CertificateActual[] = [];
  // The recorded certificate is the current one whenever it exists: its tags are read only if it
  // turns out not to be kept.
  const { tagged, unchecked } = await taggedCertificates(ctx, recorded?.id);
  const kept = await keep;
  for (const listed of unchecked) if (!kept.has(listed.arn) && await taggedForProject(ctx, listed.arn)) tagged.push(listed);
  for (const { arn, domain } of tagged) {
    if (kept.has(arn)) continue;
    const found = await findCertificateByArn(ctx, arn, await zoneOfDomain(ctx, domain));
    if (found) orphans.push(found);
  }
  return orphans;
}

/**
 * A certificate for the domain tagged for this project, ISSUED first, then one still pending; the
 * lowest ARN among equals. With `alternativeNames`, only one that covers exactly those names too.
 */
async function findCertificateByTag(
  ctx: ResourceContext, domain: string, statuses: readonly string[] | undefined, zone: HostedZone | undefined, alternativeNames?: readonly string[],
): Promise<CertificateActual | undefined> {
  const candidates = (await taggedCertificates(ctx)).tagged.filter((candidate) => candidate.domain === domain && (!statuses || statuses.includes(candidate.status)));
  const rank = (status: string) => (status === 'ISSUED' ? 0 : 1);
  candidates.sort((a, b) => rank(a.status) - rank(b.status) || a.arn.localeCompare(b.arn));
  for (const candidate of candidates) {
    const found = await findCertificateByArn(ctx, candidate.arn, zone);
    if (found && (!alternativeNames || found.alternativeNames.join(',') === [...alternativeNames].sort().join(','))) return found;
  }
  return undefined;
}

/**
 * The recorded certificate whatever its domain and status (diff replaces it when they are not
 * what the config asks for); without one, the certificate a crashed run made, by tag.
 */
async function findCertificate(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<CertificateActual | undefined> {
  const zoneLookup = zoneFor(ctx, recorded);
  if (recorded) {
    const recordNames = recorded.outputs[VALIDATION_RECORDS_OUTPUT]?.split(',').filter((name) => name !== '') ?? [];
    const found = await findCertificateByArn(ctx, recorded.id, zoneLookup, recordNames);
    if (found) return found;
  }
  const zone = await zoneLookup;
  // destroy removes whatever is ours; up only adopts a certificate that is or can become ISSUED for this domain.
  if (ctx.mode === 'destroy') {
    const domain = recorded?.outputs.domain ?? ctx.config.domain;
    return domain ? findCertificateByTag(ctx, domain, undefined, zone) : undefined;
  }
  return ctx.config.domain ? findCertificateByTag(ctx, ctx.config.domain, USABLE, zone, await redirectNames(ctx)) : undefined;
}

/**
 * Requests the certificate with the first token of the chain whose certificate is usable. Within
 * the hour a token is honoured, it names the certificate it made even after that was deleted (a
 * domain changed away and back, a destroy then an up): then the next token of the chain is
 * tried. Deterministic, so a run that crashed anywhere here gets the same certificate back.
 */
async function requestCertificate(ctx: ResourceContext, desired: CertificateDesired): Promise<string> {
  const acm = ctx.aws.globalClient(ACMClient);
  for (let step = 0; step < TOKEN_CHAIN_LENGTH; step += 1) {
    let arn: string | undefined;
    try {
      arn = (await acm.send(new RequestCertificateCommand({
        DomainName: desired.domain,
        ...(desired.alternativeNames.length > 0 ? { SubjectAlternativeNames: [desired.domain, ...desired.alternativeNames] } : {}),
        ValidationMethod: 'DNS',
        IdempotencyToken: idempotencyToken(ctx.names.project, desired.domain, desired.alternativeNames, step),
        Tags: tagList(desired.tags),
      }))).CertificateArn;
    } catch (error) {
      if (!isDeletedCertificateTokenAnswer(error)) throw error;
    }
    // Right after the request DescribeCertificate may answer NotFound: that means "not yet", not "gone".
    const status = arn ? (await readAfterCreate(ctx.aws, 'certificateAfterRequest', () => describe(ctx, arn)))?.Status : undefined;
    if (arn && status && USABLE.includes(status)) return arn;
  }
  throw new Error(`requesting ACM certificate (${coveredNames(desired)}): the last ${TOKEN_CHAIN_LENGTH} idempotency tokens all named deleted or failed certificates; wait an hour and run up again`);
}

/** The names a certificate covers, for people: "example.com, www.example.com". */
function coveredNames(certificate: { domain: string; alternativeNames: readonly string[] }): string {
  return [certificate.domain, ...certificate.alternativeNames].join(', ');
}

/** ResourceRecord appears in DescribeCertificate a few seconds after the request; no SDK waiter covers that (not-yet.ts). */
async function waitForValidationRecords(ctx: ResourceContext, arn: string): Promise<ValidationRecord[]> {
  const hasRecords = (certificate: CertificateDetail) => {
    const options = certificate.DomainValidationOptions ?? [];
    return options.length > 0 && options.every((option) => option.ResourceRecord?.Value);
  };
  const certificate = await readAfterCreate(ctx.aws, 'certificateValidationRecords', () => describe(ctx, arn), hasRecords);
  if (!certificate) throw new Error(`waiting for ACM certificate (${arn}): no DNS validation records after 5 minutes`);
  return validationRecordsOf(certificate);
}

/** UPSERTs the validation CNAMEs, then waits for ISSUED. */
async function validate(ctx: ResourceContext, arn: string, zone: HostedZone, domain: string): Promise<void> {
  const records = await waitForValidationRecords(ctx, arn);
  await upsertRecords(ctx, zone.id, records.map((record) => ({
    Name: record.name, Type: 'CNAME', TTL: VALIDATION_TTL, ResourceRecords: [{ Value: record.value }],
  })), `resume-infra ${ctx.names.project}: ACM validation for ${domain}`);
  if ((await describe(ctx, arn))?.Status === 'ISSUED') return;
  ctx.note(`waiting for validation… check that ${zone.name} NS records are delegated`);
  const timeout = validationTimeoutSeconds();
  try {
    await ctx.aws.wait(`certificate ${arn} to be validated`, (abortSignal) => waitUntilCertificateValidated({ client: ctx.aws.globalClient(ACMClient), abortSignal, ...VALIDATION_POLL, maxWaitTime: timeout }, { CertificateArn: arn }));
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (errorName(error) === 'TimeoutError') {
      const waited = timeout >= 120 ? `${Math.round(timeout / 60)} min` : `${timeout} s`;
      throw new UserError(`certificate for ${domain} was not validated within ${waited}; check that your registrar's NS records for ${zone.name} match the Route 53 zone ${zone.id}, then run up again`);
    }
    const status = (await describe(ctx, arn))?.Status ?? 'deleted';
    throw new UserError(`certificate ${arn} for ${domain} failed validation (status ${status}); check the CAA records of ${zone.name}, delete the certificate and run up again`);
  }
  // The waiter ends when every validation option says SUCCESS; CloudFront needs Status ISSUED.
  const issued = await readAfterCreate(ctx.aws, 'certificateIssued', () => describe(ctx, arn), (detail) => detail.Status === 'ISSUED');
  if (!issued) throw new UserError(`certificate ${arn} for ${domain} passed validation but is not ISSUED after 5 min; check it in the ACM console (us-east-1) and run up again`);
}

export const certificate: ResourceKind<CertificateDesired, CertificateActual> = {
  name: 'certificate',
  title: 'ACM certificate',
  dependsOn: [],

  enabled: (config) => config.domain !== undefined,

  label: (ctx, actual) => (actual ? coveredNames(actual) : ctx.config.domain ?? ''),

  async check(ctx) {
    await checkRedirectNames(ctx);
  },

  desired: async (ctx) => ({ domain: ctx.config.domain ?? '', alternativeNames: [...await redirectNames(ctx)].sort(), tags: ctx.tags }),

  read: (ctx, recorded) => findCertificate(ctx, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    // A certificate's names are fixed, and a failed or expired one cannot be validated again.
    const names = (certificate: { alternativeNames: readonly string[] }) => certificate.alternativeNames.join(',');
    if (actual.domain !== desired.domain) changes.push({ field: 'domain', from: actual.domain, to: desired.domain, replace: true });
    if (names(actual) !== names(desired)) changes.push({ field: 'alternativeNames', from: names(actual), to: names(desired), replace: true });
    const replaced = changes.length > 0;
    if (!replaced && !USABLE.includes(actual.status)) changes.push({ field: 'status', from: actual.status, to: 'ISSUED', replace: true });
    else if (!replaced && actual.status !== 'ISSUED') changes.push({ field: 'status', from: actual.status, to: 'ISSUED' });
    if (actual.validationRecordsPresent === false) changes.push({ field: 'validationRecords', from: 'missing', to: 'present' });
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    const zone = await requireHostedZone(ctx);
    const arn = await requestCertificate(ctx, desired);
    await validate(ctx, arn, zone, desired.domain);
    return { id: arn, arn };
  },

  async update(ctx, desired, actual, changes) {
    const zone = await requireHostedZone(ctx);
    if (hasChange(changes, 'status') || hasChange(changes, 'validationRecords')) await validate(ctx, actual.arn, zone, actual.domain);
    if (hasChange(changes, 'tags')) {
      await ctx.aws.globalClient(ACMClient).send(new AddTagsToCertificateCommand({ CertificateArn: actual.arn, Tags: tagList(changedTags(desired.tags, changes)) }));
    }
  },

  orphans: (ctx, keep, recorded) => orphanCertificates(ctx, keep, recorded),

  async delete(ctx, actual) {
    // Records first: a destroy interrupted after this still finds the certificate and finishes.
    // A record another certificate still validates or renews with stays (see recordsUsedByOthers).
    if (actual.zone) {
      const used = await recordsUsedByOthers(ctx, actual.arn, actual.validationRecords);
      const unused = actual.validationRecords.filter((record) => !used.has(record.name));
      await deleteRecords(ctx, actual.zone.id, unused.map((record) => ({ name: record.name, type: 'CNAME' as const })));
    }
    await deleteCertificateWhenUnused(ctx, actual.arn);
  },
};

/** "In use" right after the distribution let go of it is waited out in every client (not-yet.ts: certificateInUse). */
async function deleteCertificateWhenUnused(ctx: ResourceContext, arn: string): Promise<void> {
  await ignoreNotFound('ResourceNotFoundException', () => ctx.aws.globalClient(ACMClient).send(new DeleteCertificateCommand({ CertificateArn: arn })));
}
