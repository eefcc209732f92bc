// The quirks harness: reproduces, in front of the emulator, the "not yet" answers and new-account
// errors real AWS gives (not-yet.ts lists them) and moto never does. Test-only: inert unless
// RESUME_INFRA_TEST_QUIRKS names quirks (`all`, or a comma-separated list). The window of each
// quirk is RESUME_INFRA_TEST_QUIRK_MS (default 1500 ms), far shorter than AWS's: the budgets in
// not-yet.ts stay the production ones.
import type { FinalizeHandlerArguments, FinalizeHandlerOutput, HandlerExecutionContext, MetadataBearer, MiddlewareStack } from '@smithy/types';

export const QUIRKS = [
  'continuousBackups', 'lambdaRole', 'iamReadAfterCreate', 'iamInvalidPrincipal', 'bucketAfterCreate', 'bucketAfterDelete',
  'bucketPolicyAfterPut', 'certificateAfterRequest', 'certificateRecordsLate', 'certificateNotIssued', 'certificateInUse', 'apiConflict', 'lockConflict', 'invalidationsInProgress',
  // Never clear by waiting, so `all` leaves them out: a test names them.
  'cloudFrontNotVerified', 'denyDescribeTable',
] as const;
export type Quirk = (typeof QUIRKS)[number];
const NOT_IN_ALL: readonly Quirk[] = ['cloudFrontNotVerified', 'denyDescribeTable'];

function enabled(quirk: Quirk): boolean {
  const raw = process.env.RESUME_INFRA_TEST_QUIRKS ?? '';
  const names = raw.split(',').map((name) => name.trim());
  return names.includes(quirk) || (names.includes('all') && !NOT_IN_ALL.includes(quirk));
}

function windowMs(): number {
  const raw = Number(process.env.RESUME_INFRA_TEST_QUIRK_MS);
  return Number.isFinite(raw) && raw > 0 ? raw : 1500;
}

/** What the quirks have seen: when each thing was made, and how often each quirk answered. */
const made = new Map<string, number>();
const answered = new Map<Quirk, number>();
let lockConflictsLeft = 1;

export function resetQuirks(): void {
  made.clear();
  answered.clear();
  lockConflictsLeft = 1;
}

/** How many times each quirk has answered in this process (tests check the harness did its part). */
export function quirkCounts(): Record<string, number> {
  return Object.fromEntries(answered);
}

function recent(key: string): boolean {
  const at = made.get(key);
  return at !== undefined && Date.now() - at < windowMs();
}

class InjectedError extends Error {
  readonly $fault = 'client';
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, status: number, message: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

function inject(quirk: Quirk, name: string, status: number, message: string): never {
  answered.set(quirk, (answered.get(quirk) ?? 0) + 1);
  throw new InjectedError(name, status, message);
}

type Input = Record<string, unknown>;

function str(input: Input, field: string): string {
  const value = input[field];
  return typeof value === 'string' ? value : '';
}

const BUCKET_SETTINGS = /^(Put|Get)(PublicAccessBlock|BucketOwnershipControls|BucketEncryption|BucketTagging|BucketVersioning|BucketPolicy)$/;

/** Before the call reaches the emulator: answer "not yet" when AWS would. */
function before(service: string, operation: string, input: Input): void {
  const bucket = str(input, 'Bucket');
  if (service === 'DynamoDB' && operation === 'UpdateContinuousBackups' && enabled('continuousBackups') && recent(`table:${str(input, 'TableName')}`)) {
    inject('continuousBackups', 'ContinuousBackupsUnavailableException', 400, 'Backups are being enabled for the table: ' + str(input, 'TableName') + '. Please retry later');
  }
  if (service === 'DynamoDB' && operation === 'DescribeTable' && enabled('denyDescribeTable') && made.has(`table:${str(input, 'TableName')}`)) {
    inject('denyDescribeTable', 'AccessDeniedException', 400, `User: arn:aws:sts::123456789012:assumed-role/ci/test is not authorized to perform: dynamodb:DescribeTable on resource: ${str(input, 'TableName')}`);
  }
  if (service === 'Lambda' && (operation === 'CreateFunction' || operation === 'UpdateFunctionConfiguration') && enabled('lambdaRole')) {
    const roleName = str(input, 'Role').split('/').pop() ?? '';
    // The first use of a new role fails however late it comes, and every use within the window.
    const firstUse = made.has(`role:${roleName}`) && !made.has(`role-used:${roleName}`);
    made.set(`role-used:${roleName}`, Date.now());
    if (firstUse || recent(`role:${roleName}`)) inject('lambdaRole', 'InvalidParameterValueException', 400, 'The role defined for the function cannot be assumed by Lambda.');
  }
  if (service === 'IAM' && enabled('iamReadAfterCreate')) {
    if (['GetRole', 'ListRolePolicies', 'ListAttachedRolePolicies'].includes(operation) && recent(`role:${str(input, 'RoleName')}`)) {
      inject('iamReadAfterCreate', 'NoSuchEntityException', 404, `The role with name ${str(input, 'RoleName')} cannot be found.`);
    }
    if (operation === 'GetOpenIDConnectProvider' && recent(`oidc:${str(input, 'OpenIDConnectProviderArn')}`)) {
      inject('iamReadAfterCreate', 'NoSuchEntityException', 404, 'OpenIDConnect Provider not found');
    }
  }
  if (service === 'IAM' && operation === 'CreateRole' && enabled('iamInvalidPrincipal') && str(input, 'AssumeRolePolicyDocument').includes('Federated')
    && [...made.keys()].some((key) => key.startsWith('oidc:') && (recent(key) || !made.has(`principal-used:${key}`)))) {
    for (const key of [...made.keys()].filter((name) => name.startsWith('oidc:'))) made.set(`principal-used:${key}`, Date.now());
    inject('iamInvalidPrincipal', 'MalformedPolicyDocumentException', 400, 'Invalid principal in policy: "Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"');
  }
  if (service === 'S3' && bucket && enabled('bucketAfterCreate') && recent(`bucket:${bucket}`)) {
    if (operation === 'HeadBucket') inject('bucketAfterCreate', 'NotFound', 404, 'Not Found');
    if (BUCKET_SETTINGS.test(operation)) inject('bucketAfterCreate', 'NoSuchBucket', 404, 'The specified bucket does not exist');
  }
  if (service === 'S3' && operation === 'CreateBucket' && enabled('bucketAfterDelete') && recent(`deleted-bucket:${bucket}`)) {
    inject('bucketAfterDelete', 'OperationAborted', 409, 'A conflicting conditional operation is currently in progress against this resource. Please try again.');
  }
  if (service === 'S3' && operation === 'GetBucketPolicy' && enabled('bucketPolicyAfterPut') && recent(`policy:${bucket}`)) {
    inject('bucketPolicyAfterPut', 'NoSuchBucketPolicy', 404, 'The bucket policy does not exist');
  }
  if (service === 'S3' && operation === 'PutObject' && input.IfNoneMatch === '*' && str(input, 'Key').endsWith('.lock') && enabled('lockConflict') && lockConflictsLeft > 0) {
    lockConflictsLeft -= 1;
    inject('lockConflict', 'ConditionalRequestConflict', 409, 'The conditional request cannot succeed due to a conflicting operation against this resource.');
  }
  if (service === 'ACM' && operation === 'DescribeCertificate' && enabled('certificateAfterRequest') && recent(`certificate:${str(input, 'CertificateArn')}`)) {
    inject('certificateAfterRequest', 'ResourceNotFoundException', 400, `Could not find certificate ${str(input, 'CertificateArn')}.`);
  }
  if (service === 'ACM' && operation === 'DeleteCertificate' && enabled('certificateInUse') && recent('distribution-changed')) {
    inject('certificateInUse', 'ResourceInUseException', 400, `Certificate ${str(input, 'CertificateArn')} in use by arn:aws:cloudfront::123456789012:distribution/E1`);
  }
  if (service === 'APIGateway' && /^(Put|Create|Update|Delete)/.test(operation) && operation !== 'CreateRestApi' && enabled('apiConflict')) {
    // The first attempt of each kind of edit on an API meets the previous edit still in progress.
    const key = `api-edit:${str(input, 'restApiId')}:${operation}`;
    if (!made.has(key)) {
      made.set(key, Date.now());
      inject('apiConflict', 'ConflictException', 409, 'Unable to complete operation due to concurrent modification. Please try again later.');
    }
  }
  if (service === 'CloudFront' && operation === 'CreateInvalidation' && enabled('invalidationsInProgress') && recent(`invalidation:${str(input, 'DistributionId')}`)) {
    inject('invalidationsInProgress', 'TooManyInvalidationsInProgress', 400, 'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations.');
  }
  if (service === 'CloudFront' && /^Create/.test(operation) && operation !== 'CreateInvalidation' && enabled('cloudFrontNotVerified')) {
    inject('cloudFrontNotVerified', 'AccessDenied', 403, 'Your account must be verified before you can add new CloudFront resources. To verify your account, please contact AWS Support (https://console.aws.amazon.com/support/home#/) and include this error message.');
  }
  if (service === 'CloudFront' && /^(Create|Update)Distribution/.test(operation) && enabled('certificateNotIssued')) {
    const arn = JSON.stringify(input).match(/"ACMCertificateArn":"([^"]+)"/)?.[1];
    if (arn && notIssuedYet(arn)) inject('certificateNotIssued', 'InvalidViewerCertificate', 400, 'The specified SSL certificate doesn\'t exist, isn\'t in us-east-1 region, isn\'t valid, or doesn\'t include a valid certificate chain.');
  }
}

/** A certificate stays PENDING_VALIDATION for a window after its validation options first all say SUCCESS. */
function notIssuedYet(arn: string): boolean {
  return recent(`validated:${arn}`);
}

/** After the emulator answered: note what was made, and hold back what AWS would not show yet. */
function after(service: string, operation: string, input: Input, output: Record<string, unknown>): void {
  const now = Date.now();
  if (service === 'DynamoDB' && operation === 'CreateTable') made.set(`table:${str(input, 'TableName')}`, now);
  if (service === 'IAM' && operation === 'CreateRole') made.set(`role:${str(input, 'RoleName')}`, now);
  if (service === 'IAM' && operation === 'CreateOpenIDConnectProvider' && typeof output.OpenIDConnectProviderArn === 'string') made.set(`oidc:${output.OpenIDConnectProviderArn}`, now);
  if (service === 'S3' && operation === 'CreateBucket') made.set(`bucket:${str(input, 'Bucket')}`, now);
  if (service === 'S3' && operation === 'DeleteBucket') made.set(`deleted-bucket:${str(input, 'Bucket')}`, now);
  if (service === 'S3' && operation === 'PutBucketPolicy') made.set(`policy:${str(input, 'Bucket')}`, now);
  if (service === 'CloudFront' && (operation === 'DeleteDistribution' || operation === 'UpdateDistribution')) made.set('distribution-changed', now);
  if (service === 'CloudFront' && operation === 'CreateInvalidation') made.set(`invalidation:${str(input, 'DistributionId')}`, now);
  if (service === 'ACM' && operation === 'RequestCertificate' && typeof output.CertificateArn === 'string' && !made.has(`requested:${output.CertificateArn}`)) {
    made.set(`requested:${output.CertificateArn}`, now);
    made.set(`certificate:${output.CertificateArn}`, now);
  }
  if (service === 'ACM' && operation === 'DescribeCertificate' && enabled('certificateRecordsLate')) {
    // The validation options are listed at once, their DNS records only a moment later.
    const certificate = output.Certificate as { CertificateArn?: string; DomainValidationOptions?: Array<{ ResourceRecord?: unknown }> } | undefined;
    const requested = made.get(`requested:${certificate?.CertificateArn ?? ''}`);
    if (certificate && requested !== undefined && now - requested < 2 * windowMs()) {
      answered.set('certificateRecordsLate', (answered.get('certificateRecordsLate') ?? 0) + 1);
      for (const option of certificate.DomainValidationOptions ?? []) delete option.ResourceRecord;
    }
  }
  if (service === 'ACM' && operation === 'DescribeCertificate' && enabled('certificateNotIssued')) {
    const certificate = output.Certificate as { CertificateArn?: string; Status?: string; DomainValidationOptions?: Array<{ ValidationStatus?: string }> } | undefined;
    const arn = certificate?.CertificateArn;
    if (!certificate || !arn || certificate.Status !== 'ISSUED') return;
    if (!made.has(`validated:${arn}`)) made.set(`validated:${arn}`, now);
    if (notIssuedYet(arn)) {
      answered.set('certificateNotIssued', (answered.get('certificateNotIssued') ?? 0) + 1);
      certificate.Status = 'PENDING_VALIDATION';
      for (const option of certificate.DomainValidationOptions ?? []) option.ValidationStatus = 'SUCCESS';
    }
  }
}

export function quirksOn(): boolean {
  return QUIRKS.some(enabled);
}

/** Adds the harness to a client's middleware stack, inside the SDK's retries, as AWS's answers would be. */
export function addQuirks(stack: MiddlewareStack<object, MetadataBearer>): void {
  stack.add(
    (next, context: HandlerExecutionContext) => async (args: FinalizeHandlerArguments<object>): Promise<FinalizeHandlerOutput<MetadataBearer>> => {
      if (!quirksOn()) return next(args);
      const service = (context.clientName ?? '').replace(/Client$/, '');
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Input;
      before(service, operation, input);
      const result = await next(args);
      after(service, operation, input, result.output as unknown as Record<string, unknown>);
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'resumeInfraQuirks' },
  );
}
