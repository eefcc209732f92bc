// The ACM certificate for the domain, in us-east-1 (the only region CloudFront takes
// certificates from) whatever the project's region. DNS-validated: the validation CNAMEs are
// UPSERTed into the hosted zone, then the run waits for ISSUED.
import { createHash } from 'node:crypto';
import {
  ACMClient, AddTagsToCertificateCommand, DeleteCertificateCommand, DescribeCertificateCommand, ListTagsForCertificateCommand,
  paginateListCertificates, RequestCertificateCommand, waitUntilCertificateValidated, type CertificateDetail, type CertificateStatus,
} from '@aws-sdk/client-acm';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { TAG_KEY } from '../config.ts';
import { errorName, httpStatus, UserError } from '../errors.ts';
import { readAfterCreate } from '../aws/not-yet.ts';
import type { RecordedResource } from '../state/document.ts';
import { deleteRecords, findRecord, fqdn, requireHostedZone, upsertRecords, zoneFor, zoneOutputs, type HostedZone } from './hosted-zone.ts';
import { changedTags, hasChange, tagChanges, tagList, tagRecord } from './tags.ts';

/** How long `up` waits for ISSUED: DNS validation takes minutes once the zone is delegated. */
const DEFAULT_VALIDATION_TIMEOUT_SECONDS = 45 * 60;
/** Tests and impatient users can shorten the wait. */
export const VALIDATION_TIMEOUT_ENV = 'RESUME_INFRA_CERT_TIMEOUT_SECONDS';
const VALIDATION_TTL = 300;
/** Statuses a certificate can still be (or become) usable from; others are left alone and a new one is requested. */
const USABLE: readonly string[] = ['ISSUED', 'PENDING_VALIDATION'];

interface ValidationRecord {
  name: string;
  value: string;
}

interface CertificateDesired {
  domain: string;
  tags: Record<string, string>;
}

interface CertificateActual extends Observed {
  arn: string;
  domain: string;
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

/** ACM honours the same token for an hour, so a run that crashed after RequestCertificate gets the same certificate back. */
export function idempotencyToken(project: string, domain: string, salt = ''): string {
  return createHash('sha256').update(`${project}:${domain}${salt}`).digest('hex').slice(0, 32);
}

/** The validation CNAMEs, sorted by domain (AWS gives no order), one per distinct record name. */
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
  try {
    return (await ctx.aws.globalClient(ACMClient).send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function validationRecordsPresent(ctx: ResourceContext, zone: HostedZone | undefined, records: ValidationRecord[]): Promise<boolean | undefined> {
  if (!zone || records.length === 0) return undefined;
  for (const record of records) {
    const found = await findRecord(ctx, zone.id, record.name, 'CNAME');
    if (found?.ResourceRecords?.[0]?.Value !== record.value) return false;
  }
  return true;
}

async function findCertificateByArn(ctx: ResourceContext, arn: string, zone: HostedZone | undefined): Promise<CertificateActual | undefined> {
  const certificate = await describe(ctx, arn);
  if (!certificate?.DomainName) return undefined;
  let tags;
  try {
    tags = await ctx.aws.globalClient(ACMClient).send(new ListTagsForCertificateCommand({ CertificateArn: arn }));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  const records = validationRecordsOf(certificate);
  return {
    id: arn,
    arn,
    outputs: { certificateArn: arn, domain: certificate.DomainName, ...zoneOutputs(zone) },
    domain: certificate.DomainName,
    status: certificate.Status ?? 'UNKNOWN',
    validationRecords: records,
    validationRecordsPresent: await validationRecordsPresent(ctx, zone, records),
    zone,
    tags: tagRecord(tags.Tags),
  };
}

/** A certificate for the domain tagged for this project: ISSUED first, then one still pending; the lowest ARN among equals. */
async function findCertificateByTag(ctx: ResourceContext, domain: string, statuses: readonly string[] | undefined, zone: HostedZone | undefined): Promise<CertificateActual | undefined> {
  const acm = ctx.aws.globalClient(ACMClient);
  const candidates: Array<{ arn: string; status: string }> = [];
  const filter = statuses ? { CertificateStatuses: statuses as CertificateStatus[] } : {};
  for await (const page of paginateListCertificates({ client: acm }, filter)) {
    for (const summary of page.CertificateSummaryList ?? []) {
      if (summary.DomainName !== domain || !summary.CertificateArn) continue;
      const tags = tagRecord((await acm.send(new ListTagsForCertificateCommand({ CertificateArn: summary.CertificateArn }))).Tags);
      if (tags[TAG_KEY] === ctx.names.project) candidates.push({ arn: summary.CertificateArn, status: summary.Status ?? '' });
    }
  }
  const rank = (status: string) => (status === 'ISSUED' ? 0 : 1);
  candidates.sort((a, b) => rank(a.status) - rank(b.status) || a.arn.localeCompare(b.arn));
  const best = candidates[0];
  return best ? findCertificateByArn(ctx, best.arn, zone) : undefined;
}

async function findCertificate(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<CertificateActual | undefined> {
  // destroy removes whatever is ours; up only reuses a certificate that is or can become ISSUED for this domain.
  const statuses = ctx.mode === 'destroy' ? undefined : USABLE;
  const domain = ctx.config.domain ?? recorded?.outputs.domain;
  const zone = await zoneFor(ctx, recorded);
  if (recorded) {
    const found = await findCertificateByArn(ctx, recorded.id, zone);
    if (found && (ctx.mode === 'destroy' || (found.domain === domain && USABLE.includes(found.status)))) return found;
  }
  return domain ? findCertificateByTag(ctx, domain, statuses, zone) : undefined;
}

async function requestCertificate(ctx: ResourceContext, desired: CertificateDesired, salt = ''): Promise<string> {
  const acm = ctx.aws.globalClient(ACMClient);
  let arn: string | undefined;
  try {
    arn = (await acm.send(new RequestCertificateCommand({
      DomainName: desired.domain,
      ValidationMethod: 'DNS',
      IdempotencyToken: idempotencyToken(ctx.names.project, desired.domain, salt),
      Tags: tagList(desired.tags),
    }))).CertificateArn;
  } catch (error) {
    // moto 5.2.1 answers 500 when the token names a certificate that was deleted since (a
    // destroy, then up within the hour): ask once more with a fresh token.
    if (salt || (httpStatus(error) ?? 0) < 500) throw error;
  }
  // Right after the request DescribeCertificate may answer NotFound: that means "not yet", not "gone".
  if (arn && (await readAfterCreate(ctx.aws, 'certificateAfterRequest', () => describe(ctx, arn)))) return arn;
  // The token named a deleted certificate: a fresh token makes a new one. The project tag keeps
  // it findable, so a crash here still leads to no duplicate.
  if (salt) throw new Error(`requesting ACM certificate (${desired.domain}): ACM returned no usable certificate`);
  return requestCertificate(ctx, desired, `:${Date.now()}`);
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
async function validate(ctx: ResourceContext, arn: string, zone: HostedZone): Promise<void> {
  const records = await waitForValidationRecords(ctx, arn);
  await upsertRecords(ctx, zone.id, records.map((record) => ({
    Name: record.name, Type: 'CNAME', TTL: VALIDATION_TTL, ResourceRecords: [{ Value: record.value }],
  })), `resume-infra ${ctx.names.project}: ACM validation for ${ctx.config.domain ?? ''}`);
  if ((await describe(ctx, arn))?.Status === 'ISSUED') return;
  ctx.note(`waiting for validation… check that ${zone.name} NS records are delegated`);
  const timeout = validationTimeoutSeconds();
  try {
    await ctx.aws.wait(`certificate ${arn} to be validated`, (abortSignal) => waitUntilCertificateValidated({ client: ctx.aws.globalClient(ACMClient), abortSignal, minDelay: 2, maxDelay: 30, maxWaitTime: timeout }, { CertificateArn: arn }));
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (errorName(error) === 'TimeoutError') {
      const waited = timeout >= 120 ? `${Math.round(timeout / 60)} min` : `${timeout} s`;
      throw new UserError(`certificate for ${ctx.config.domain ?? ''} was not validated within ${waited}; check that your registrar's NS records for ${zone.name} match the Route 53 zone ${zone.id}, then run up again`);
    }
    const status = (await describe(ctx, arn))?.Status ?? 'deleted';
    throw new UserError(`certificate ${arn} for ${ctx.config.domain ?? ''} failed validation (status ${status}); check the CAA records of ${zone.name}, delete the certificate and run up again`);
  }
  // The waiter ends when every validation option says SUCCESS; CloudFront needs Status ISSUED.
  const issued = await readAfterCreate(ctx.aws, 'certificateIssued', () => describe(ctx, arn), (detail) => detail.Status === 'ISSUED');
  if (!issued) throw new UserError(`certificate ${arn} for ${ctx.config.domain ?? ''} passed validation but is not ISSUED after 5 min; check it in the ACM console (us-east-1) and run up again`);
}

export const certificate: ResourceKind<CertificateDesired, CertificateActual> = {
  name: 'certificate',
  title: 'ACM certificate',
  dependsOn: [],

  enabled: (config) => config.domain !== undefined,

  label: (ctx, actual) => actual?.domain ?? ctx.config.domain ?? '',

  async check(ctx) {
    await requireHostedZone(ctx);
  },

  desired: (ctx) => ({ domain: ctx.config.domain ?? '', tags: ctx.tags }),

  read: (ctx, recorded) => findCertificate(ctx, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    if (actual.status !== 'ISSUED') changes.push({ field: 'status', from: actual.status, to: 'ISSUED' });
    if (actual.validationRecordsPresent === false) changes.push({ field: 'validationRecords', from: 'missing', to: 'present' });
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    const zone = await requireHostedZone(ctx);
    const arn = await requestCertificate(ctx, desired);
    await validate(ctx, arn, zone);
    const created = await findCertificateByArn(ctx, arn, zone);
    if (!created) throw new Error(`creating ACM certificate (${desired.domain}): it vanished right after validation`);
    return created;
  },

  async update(ctx, desired, actual, changes) {
    const zone = await requireHostedZone(ctx);
    if (hasChange(changes, 'status') || hasChange(changes, 'validationRecords')) await validate(ctx, actual.arn, zone);
    if (hasChange(changes, 'tags')) {
      await ctx.aws.globalClient(ACMClient).send(new AddTagsToCertificateCommand({ CertificateArn: actual.arn, Tags: tagList(changedTags(desired.tags, changes)) }));
    }
    const updated = await findCertificateByArn(ctx, actual.arn, zone);
    if (!updated) throw new Error(`updating ACM certificate (${actual.arn}): it vanished during the update`);
    return updated;
  },

  async delete(ctx, actual) {
    // Records first: a destroy interrupted after this still finds the certificate and finishes.
    if (actual.zone) await deleteRecords(ctx, actual.zone.id, actual.validationRecords.map((record) => ({ name: record.name, type: 'CNAME' as const })));
    await deleteCertificateWhenUnused(ctx, actual.arn);
  },
};

/** "In use" right after the distribution let go of it is waited out in every client (not-yet.ts: certificateInUse). */
async function deleteCertificateWhenUnused(ctx: ResourceContext, arn: string): Promise<void> {
  try {
    await ctx.aws.globalClient(ACMClient).send(new DeleteCertificateCommand({ CertificateArn: arn }));
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
  }
}
