// The one table of AWS's "not yet" answers: errors that mean "this will work if you ask again a
// little later", mostly eventual consistency right after a create. Each entry names the
// operation, the error (by name, and by message where AWS gives no distinct name), how long to
// keep asking, and where the behaviour is documented. The emulator never answers like this;
// test/not-yet.test.ts reproduces every case with the quirks harness (test-hooks.ts).
//
// Two kinds of entry:
// - `always`: the error is transient wherever the operation is called. clients.ts retries these
//   in the SDK middleware of every client, so no module repeats them.
// - `afterCreate`: the error is "not found", which is an ordinary answer for a finder and "not
//   yet" only right after the create. The module wraps that one read with `readAfterCreate`.
import { setTimeout as sleep } from 'node:timers/promises';

export interface NotYetCase {
  /** SDK client name without `Client`, as in the call log (`DynamoDB`, `S3`, `IAM`…). */
  service: string;
  operations: readonly string[];
  /** SDK error names (`error.name`). */
  errors: readonly string[];
  /** Only errors whose message matches, where AWS reuses a general error name. */
  message?: RegExp;
  /** How long to keep asking, in ms; the Terraform AWS provider's budget where it has one. */
  budgetMs: number;
  scope: 'always' | 'afterCreate';
  /** What the run is waiting for, shown once while it waits. */
  waitingFor: string;
}

const MINUTE = 60_000;

export const NOT_YET = {
  // Terraform: dynamodb/table.go updatePITR retries ContinuousBackupsUnavailableException for
  // createTableTimeout (20 min). AWS: "Backups are being enabled for the table… retry later".
  continuousBackups: {
    service: 'DynamoDB', operations: ['UpdateContinuousBackups'], errors: ['ContinuousBackupsUnavailableException'],
    budgetMs: 20 * MINUTE, scope: 'always', waitingFor: 'DynamoDB to allow point-in-time recovery on the new table',
  },
  // Terraform: lambda/function.go retries CreateFunction on this message for iamPropagationTimeout
  // and up to 5 min with functionCreateTimeout. AWS Lambda docs: a new role takes seconds to minutes.
  lambdaRoleNotAssumable: {
    service: 'Lambda', operations: ['CreateFunction', 'UpdateFunctionConfiguration'], errors: ['InvalidParameterValueException'],
    message: /cannot be assumed by Lambda|role defined for the function/i,
    budgetMs: 5 * MINUTE, scope: 'always', waitingFor: 'the new IAM role to reach Lambda',
  },
  // Terraform: iam/role.go retries CreateRole on MalformedPolicyDocument "Invalid principal in
  // policy" for propagationTimeout (2 min): a just-created OIDC provider is not a principal yet.
  iamInvalidPrincipal: {
    service: 'IAM', operations: ['CreateRole', 'UpdateAssumeRolePolicy'], errors: ['MalformedPolicyDocumentException', 'MalformedPolicyDocument'],
    message: /invalid principal/i,
    budgetMs: 2 * MINUTE, scope: 'always', waitingFor: 'IAM to know the new OIDC provider',
  },
  // Terraform: iam/role.go and iam/openid_connect_provider.go read after create with
  // tfresource.RetryWhenNewResourceNotFound (propagationTimeout, 2 min). AWS IAM docs: "changes
  // are eventually consistent… may not be immediately visible".
  iamReadAfterCreate: {
    service: 'IAM', operations: ['GetRole', 'ListRolePolicies', 'ListAttachedRolePolicies', 'GetRolePolicy', 'GetOpenIDConnectProvider'],
    errors: ['NoSuchEntityException', 'NoSuchEntity'],
    budgetMs: 2 * MINUTE, scope: 'afterCreate', waitingFor: 'IAM to show the new entity',
  },
  // Terraform: s3/bucket.go retries CreateBucket on OperationAborted ("A conflicting conditional
  // operation is currently in progress") for bucketCreatedTimeout (2 min): it follows a delete of
  // the same name. AWS S3 docs: 409 OperationAborted, "Please try again".
  bucketCreateAborted: {
    service: 'S3', operations: ['CreateBucket'], errors: ['OperationAborted'],
    budgetMs: 2 * MINUTE, scope: 'always', waitingFor: 'S3 to finish deleting the bucket of the same name',
  },
  // Terraform: s3/bucket.go retries the PutBucket* calls after create on NoSuchBucket for
  // bucketPropagationTimeout (2 min), and on OperationAborted. AWS S3 docs: bucket creation is
  // eventually consistent.
  bucketSettingsAfterCreate: {
    service: 'S3',
    operations: ['PutPublicAccessBlock', 'PutBucketOwnershipControls', 'PutBucketEncryption', 'PutBucketTagging', 'PutBucketVersioning', 'PutBucketPolicy'],
    errors: ['NoSuchBucket', 'OperationAborted'],
    budgetMs: 2 * MINUTE, scope: 'always', waitingFor: 'S3 to show the new bucket',
  },
  // Terraform: s3/bucket.go reads after create with tfresource.RetryWhenNewResourceNotFound
  // (bucketPropagationTimeout, 2 min); HeadBucket answers 404 (`NotFound`) for a moment.
  bucketReadAfterCreate: {
    service: 'S3',
    operations: ['HeadBucket', 'GetBucketLocation', 'GetPublicAccessBlock', 'GetBucketOwnershipControls', 'GetBucketEncryption', 'GetBucketTagging', 'GetBucketVersioning'],
    errors: ['NotFound', 'NoSuchBucket', 'OperationAborted'],
    budgetMs: 2 * MINUTE, scope: 'afterCreate', waitingFor: 'S3 to show the new bucket',
  },
  // Terraform: s3/bucket_policy.go reads after put with RetryWhenNewResourceNotFound
  // (propagationTimeout, 2 min): GetBucketPolicy answers NoSuchBucketPolicy for a moment.
  bucketPolicyAfterPut: {
    service: 'S3', operations: ['GetBucketPolicy'], errors: ['NoSuchBucketPolicy'],
    budgetMs: 2 * MINUTE, scope: 'afterCreate', waitingFor: 'S3 to show the new bucket policy',
  },
  // Terraform: acm/certificate.go waits after RequestCertificate for the certificate to be
  // describable (RetryWhenNotFound, 5 min by its certificateCrossRegionTimeout use); ACM docs:
  // DescribeCertificate can answer ResourceNotFoundException right after the request.
  certificateAfterRequest: {
    service: 'ACM', operations: ['DescribeCertificate'], errors: ['ResourceNotFoundException'],
    budgetMs: 5 * MINUTE, scope: 'afterCreate', waitingFor: 'ACM to show the requested certificate',
  },
  // The CertificateValidated waiter ends when every validation option says SUCCESS; Status can
  // stay PENDING_VALIDATION a little longer, and CloudFront refuses the certificate until ISSUED
  // (InvalidViewerCertificate). Terraform's aws_acm_certificate_validation waits for ISSUED.
  certificateIssued: {
    service: 'ACM', operations: ['DescribeCertificate'], errors: [],
    budgetMs: 5 * MINUTE, scope: 'afterCreate', waitingFor: 'ACM to mark the validated certificate ISSUED',
  },
  // ACM DescribeCertificate lists DomainValidationOptions at once but their ResourceRecord only
  // seconds later. Terraform: acm/certificate.go waits for them (certificateDNSValidationAssignedTimeout, 5 min).
  certificateValidationRecords: {
    service: 'ACM', operations: ['DescribeCertificate'], errors: ['ResourceNotFoundException'],
    budgetMs: 5 * MINUTE, scope: 'afterCreate', waitingFor: 'ACM to publish the DNS validation records',
  },
  // A certificate stays "in use" until the distribution that used it is deleted or has deployed
  // its change, minutes after that call returns. Terraform: acm/certificate.go delete retries
  // ResourceInUseException (certificateCrossServicePropagationTimeout, up to its 20 min delete timeout).
  certificateInUse: {
    service: 'ACM', operations: ['DeleteCertificate'], errors: ['ResourceInUseException'],
    budgetMs: 20 * MINUTE, scope: 'always', waitingFor: 'CloudFront to release the certificate',
  },
  // Terraform: apigateway/*.go retry ConflictException "try again later" for 2 min (e.g.
  // resource_method, deployment). AWS: "Unable to complete operation due to concurrent
  // modification. Please try again later." A ConflictException for a duplicate is not retried.
  apiConcurrentModification: {
    service: 'APIGateway', operations: ['*'], errors: ['ConflictException'],
    message: /concurrent modification|try again later/i,
    budgetMs: 2 * MINUTE, scope: 'always', waitingFor: 'API Gateway to finish the previous change',
  },
  // AWS S3 docs (conditional writes): "409 ConditionalRequestConflict … retry the request". After
  // the retry the usual 412 PreconditionFailed gives the "locked by …" message.
  conditionalWriteConflict: {
    service: 'S3', operations: ['PutObject', 'DeleteObject'], errors: ['ConditionalRequestConflict'],
    budgetMs: 1 * MINUTE, scope: 'always', waitingFor: 'S3 to settle a concurrent conditional write',
  },
  // Terraform: cloudfront/invalidation... and AWS CloudFront quotas: at most 3,000 paths (15
  // wildcards) in progress per distribution; TooManyInvalidationsInProgress clears as they
  // complete (minutes). Not a throttling error, so the SDK does not retry it.
  invalidationsInProgress: {
    service: 'CloudFront', operations: ['CreateInvalidation'], errors: ['TooManyInvalidationsInProgress'],
    budgetMs: 10 * MINUTE, scope: 'always', waitingFor: 'earlier CloudFront invalidations to complete',
  },
} as const satisfies Record<string, NotYetCase>;

export type NotYetName = keyof typeof NOT_YET;

/** Answers that are not "not yet" but need one line of advice instead of an SDK error. */
export const EXPLAINED = {
  // AWS: new accounts must be verified before they can create CloudFront resources; the answer is
  // AccessDenied "Your account must be verified before you can add new CloudFront resources".
  cloudFrontAccountNotVerified: {
    service: 'CloudFront', errors: ['AccessDenied', 'AccessDeniedException'], message: /must be verified/i,
    explain: 'AWS has not yet verified this account for CloudFront (new accounts are); open a case with AWS Support asking to verify the account for CloudFront (https://console.aws.amazon.com/support/home#/case/create), then run the command again',
  },
} as const;

export function matchesCase(entry: Pick<NotYetCase, 'service' | 'operations' | 'errors' | 'message'>, service: string, operation: string, error: unknown): boolean {
  if (entry.service !== service) return false;
  if (!entry.operations.includes('*') && !entry.operations.includes(operation)) return false;
  if (!(error instanceof Error) || !entry.errors.includes(error.name)) return false;
  return entry.message ? entry.message.test(error.message) : true;
}

/** The `always` entry that says this error of this call means "not yet", if any. */
export function alwaysCaseFor(service: string, operation: string, error: unknown): NotYetName | undefined {
  return (Object.keys(NOT_YET) as NotYetName[]).find((name) => NOT_YET[name].scope === 'always' && matchesCase(NOT_YET[name], service, operation, error));
}

/** Delays between attempts: short first (most cases clear in seconds), then every 10 s. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;


export class NotYetTimeoutError extends Error {
  override name = 'NotYetTimeoutError';
}

export interface NotYetWaiter {
  /** Called once per wait, before the first retry, so the user learns why the run pauses. */
  onWait?(name: NotYetName, waitingFor: string): void;
}

/**
 * Calls `attempt` until it returns `done`, or throws an error other than "not yet", or the case's
 * budget runs out (then the last error is thrown, or a NotYetTimeoutError). `attempt` returns
 * `{ done: false }` for a not-yet answer it recognised itself (a finder returning undefined).
 */
export async function untilReady<T>(name: NotYetName, attempt: () => Promise<{ done: true; value: T } | { done: false }>, isNotYet: (error: unknown) => boolean, waiter: NotYetWaiter = {}): Promise<T> {
  const deadline = Date.now() + NOT_YET[name].budgetMs;
  let delay = FIRST_DELAY_MS;
  for (let told = false; ; told = true) {
    let lastError: unknown;
    try {
      const result = await attempt();
      if (result.done) return result.value;
    } catch (error) {
      if (!isNotYet(error)) throw error;
      lastError = error;
    }
    if (Date.now() + delay > deadline) {
      const minutes = NOT_YET[name].budgetMs / MINUTE;
      if (lastError instanceof Error) {
        lastError.message = `${lastError.message} (still answered after waiting ${minutes} min for ${NOT_YET[name].waitingFor})`;
        throw lastError;
      }
      throw new NotYetTimeoutError(`gave up after ${minutes} min waiting for ${NOT_YET[name].waitingFor}`);
    }
    if (!told) waiter.onWait?.(name, NOT_YET[name].waitingFor);
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

/**
 * A read right after a create: retries while `read` returns undefined (a finder's "not found") or
 * throws one of the case's errors, within the case's budget. Undefined when it never appeared.
 */
export async function readAfterCreate<T>(waiter: NotYetWaiter, name: NotYetName, read: () => Promise<T | undefined>, ready: (value: T) => boolean = () => true): Promise<T | undefined> {
  const errors: readonly string[] = NOT_YET[name].errors;
  try {
    return await untilReady(name, async () => {
      const value = await read();
      return value !== undefined && ready(value) ? { done: true, value } : { done: false };
    }, (error) => error instanceof Error && errors.includes(error.name), waiter);
  } catch (error) {
    if (error instanceof NotYetTimeoutError) return undefined;
    throw error;
  }
}
