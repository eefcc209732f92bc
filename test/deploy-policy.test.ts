// The CI deploy role is sufficient: every AWS call that CI's commands make (up, plan, status,
// deploy-site, releases, deploy-lambda, invalidate) is recorded against the emulator, turned into the IAM
// request AWS would authorize (action, resource ARN, condition keys), and evaluated against the
// deploy role's inline policy. `destroy` is not one of CI's commands: it deletes the deploy role
// and the OIDC provider themselves, so it runs with the credentials that ran ci-setup (README).
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { recordedCalls, type RecordedCall } from '../src/aws/test-hooks.ts';
import { deriveNames, parseConfig } from '../src/config.ts';
import { deployPolicy, projectArns } from '../src/resources/ci/deploy-policy.ts';
import { evaluate, type AuthorizationRequest } from './helpers/iam-policy.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';
import { makeProject, type CliRun } from './helpers/cli.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const PROJECT = 'jane-resume';
const DOMAIN = 'resume.example.com';
const REDIRECT = 'cv.example.com';

beforeEach(() => emulator.reset());

type Names = ReturnType<typeof deriveNames>;

function str(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  return typeof value === 'string' ? value : '';
}

const S3_ACTIONS: Record<string, string[]> = {
  HeadBucket: ['s3:ListBucket'], ListObjectsV2: ['s3:ListBucket'], ListObjectVersions: ['s3:ListBucketVersions'],
  GetBucketEncryption: ['s3:GetEncryptionConfiguration'], PutBucketEncryption: ['s3:PutEncryptionConfiguration'],
  GetPublicAccessBlock: ['s3:GetBucketPublicAccessBlock'], PutPublicAccessBlock: ['s3:PutBucketPublicAccessBlock'],
  // CreateBucket with ObjectOwnership also needs s3:PutBucketOwnershipControls (S3 docs).
  CreateBucket: ['s3:CreateBucket', 's3:PutBucketOwnershipControls'],
  DeleteObjects: ['s3:DeleteObject'], CopyObject: ['s3:PutObject', 's3:GetObject'],
};
const OBJECT_OPERATIONS = new Set(['GetObject', 'PutObject', 'DeleteObject', 'HeadObject', 'CopyObject', 'DeleteObjects']);
const UNSCOPED = new Set([
  'STS:GetCallerIdentity', 'CloudFront:ListDistributions', 'CloudFront:ListOriginAccessControls', 'CloudFront:ListResponseHeadersPolicies', 'ResourceGroupsTaggingAPI:GetResources',
  'ACM:RequestCertificate', 'ACM:ListCertificates', 'Route53:ListHostedZonesByName', 'Route53:ListHostedZones', 'Route53:GetChange',
  'SSM:DescribeParameters', 'APIGateway:GetRestApis', 'APIGateway:CreateRestApi',
]);
const IAM_PREFIX: Record<string, string> = {
  STS: 'sts', CloudFront: 'cloudfront', ResourceGroupsTaggingAPI: 'tag', ACM: 'acm', Route53: 'route53', SSM: 'ssm', APIGateway: 'apigateway',
  DynamoDB: 'dynamodb', Lambda: 'lambda', IAM: 'iam', CloudWatchLogs: 'logs', S3: 's3',
};

function apiGatewayVerb(operation: string): string {
  const verb = Object.entries({ Get: 'GET', Create: 'POST', Put: 'PUT', Update: 'PATCH', Delete: 'DELETE', Tag: 'PUT', Untag: 'DELETE' })
    .find(([prefix]) => operation.startsWith(prefix))?.[1];
  if (!verb) throw new Error(`no API Gateway verb for ${operation}`);
  return `apigateway:${verb}`;
}

/** The IAM requests AWS authorizes for one SDK call, with the resource and condition keys the service documents. */
function requestsFor(call: RecordedCall, names: Names): AuthorizationRequest[] {
  const { service, operation, input } = call;
  const arns = projectArns(names);
  const key = `${service}:${operation}`;
  if (UNSCOPED.has(key)) {
    if (service === 'APIGateway') return [{ action: apiGatewayVerb(operation), resource: `arn:aws:apigateway:${region}::/restapis` }];
    const requests: AuthorizationRequest[] = [{ action: `${IAM_PREFIX[service]}:${operation}`, resource: '*' }];
    // RequestCertificate with Tags also needs acm:AddTagsToCertificate (ACM docs).
    if (key === 'ACM:RequestCertificate' && input.Tags) requests.push({ action: 'acm:AddTagsToCertificate', resource: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/*` });
    return requests;
  }
  switch (service) {
    case 'S3': {
      const bucket = `arn:aws:s3:::${str(input, 'Bucket')}`;
      const resource = OBJECT_OPERATIONS.has(operation) ? `${bucket}/${str(input, 'Key') || '*'}` : bucket;
      return (S3_ACTIONS[operation] ?? [`s3:${operation.replace(/^(Get|Put|Delete)Bucket/, '$1Bucket').replace(/^HeadObject$/, 'GetObject')}`])
        .map((action) => ({ action, resource }));
    }
    case 'DynamoDB': return [{ action: `dynamodb:${operation}`, resource: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${str(input, 'TableName') || names.table}` }];
    case 'SSM': return [{ action: `ssm:${operation}`, resource: arns.parameter }];
    case 'CloudWatchLogs': {
      const group = str(input, 'logGroupName') || str(input, 'resourceArn').split(':log-group:')[1]?.replace(/:\*$/, '') || names.logGroup;
      return [{ action: `logs:${operation}`, resource: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${group}` }];
    }
    case 'Lambda': {
      const name = (str(input, 'FunctionName') || str(input, 'Resource')).split(':function:').pop()?.split(':')[0] ?? '';
      const requests: AuthorizationRequest[] = [{ action: `lambda:${operation.replace(/V2$/, '')}`, resource: `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}` }];
      // Setting a function's role passes it to Lambda (iam:PassRole, iam:PassedToService).
      if (str(input, 'Role')) requests.push({ action: 'iam:PassRole', resource: str(input, 'Role'), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
      return requests;
    }
    case 'IAM': {
      const resource = str(input, 'OpenIDConnectProviderArn') || `arn:aws:iam::${ACCOUNT}:role/${str(input, 'RoleName')}`;
      return [{ action: `iam:${operation}`, resource }];
    }
    case 'APIGateway': {
      const id = str(input, 'restApiId') || str(input, 'resourceArn').split('/restapis/')[1]?.split('/')[0] || '';
      const path = operation.endsWith('TagResource') ? `/tags/${encodeURIComponent(str(input, 'resourceArn'))}` : `/restapis/${id}/${operation}`;
      return [{ action: apiGatewayVerb(operation), resource: `arn:aws:apigateway:${region}::${path}` }];
    }
    case 'CloudFront': {
      const onFunction = /Function$/.test(operation) || str(input, 'Resource').includes(':function/');
      const id = str(input, 'Id') || str(input, 'DistributionId') || str(input, 'Name') || str(input, 'Resource').split('/').pop() || '*';
      const kind = onFunction ? 'function' : /OriginAccessControl/.test(operation) ? 'origin-access-control' : /ResponseHeadersPolicy/.test(operation) ? 'response-headers-policy' : 'distribution';
      const resource = `arn:aws:cloudfront::${ACCOUNT}:${kind}/${id}`;
      // CreateDistributionWithTags needs both actions (CloudFront docs).
      if (operation === 'CreateDistributionWithTags') return ['cloudfront:CreateDistribution', 'cloudfront:TagResource'].map((action) => ({ action, resource }));
      return [{ action: `cloudfront:${operation}`, resource }];
    }
    case 'ACM': return [{ action: `acm:${operation}`, resource: str(input, 'CertificateArn') }];
    case 'Route53': {
      const zone = `arn:aws:route53:::hostedzone/${str(input, 'HostedZoneId').replace('/hostedzone/', '')}`;
      if (operation !== 'ChangeResourceRecordSets') return [{ action: `route53:${operation}`, resource: zone }];
      const changes = ((input.ChangeBatch as { Changes?: Array<{ ResourceRecordSet?: { Name?: string } }> } | undefined)?.Changes ?? []);
      const recordNames = changes.map((change) => (change.ResourceRecordSet?.Name ?? '').toLowerCase().replace(/\.$/, ''));
      return [{ action: 'route53:ChangeResourceRecordSets', resource: zone, context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': recordNames } }];
    }
    default: throw new Error(`no IAM mapping for ${key}; add it here`);
  }
}

function ok(run: CliRun, what: string): void {
  assert.equal(run.code, 0, `${what} failed:\n${run.stderr}\n${run.stdout}`);
}

for (const withDomain of [true, false]) test(`the deploy role's policy allows every call CI's commands make ${withDomain ? 'with' : 'without'} a domain, and adds no new Resource "*"`, async () => {
  let hostedZoneId: string | undefined;
  if (withDomain) {
    const route53 = new Route53Client({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `zone-${Date.now()}` }));
    route53.destroy();
    hostedZoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  }
  // With a redirect name too: its alias records and validation CNAME must be allowed.
  const config = withDomain ? { project: PROJECT, region, domain: DOMAIN, redirectFrom: [REDIRECT] } : { project: PROJECT, region };
  const project = await makeProject(emulator.endpoint, config);
  // ci-setup runs with an administrator's credentials; its own calls are not the deploy role's.
  ok(await project.run('ci-setup', '--repo', 'jane/resume', '--yes'), 'ci-setup');

  recordedCalls.length = 0;
  process.env.RESUME_INFRA_TEST_RECORD_CALLS = '1';
  const commands: string[][] = [['up', '--yes'], ['plan'], ['status'], ['up', '--yes'], ['deploy-site'], ['releases'], ['deploy-lambda'], ['invalidate'], ['invalidate', '/index.html', '--wait']];
  try {
    for (const args of commands) {
      const run = await project.run(...args);
      ok(run, args.join(' '));
    }
  } finally {
    delete process.env.RESUME_INFRA_TEST_RECORD_CALLS;
  }

  const names = deriveNames(parseConfig(config, 'test', project.dir), ACCOUNT, region);
  const policy = deployPolicy({
    names, ...(withDomain ? { domain: DOMAIN, redirectNames: [REDIRECT], hostedZoneId } : {}),
    deployRoleArn: `arn:aws:iam::${ACCOUNT}:role/${names.deployRole}`,
    providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
  });
  const denied: string[] = [];
  let evaluated = 0;
  for (const call of recordedCalls) {
    for (const request of requestsFor(call, names)) {
      evaluated += 1;
      if (!evaluate(policy, request).allowed) denied.push(`${call.service}.${call.operation}: ${request.action} on ${request.resource} ${JSON.stringify(request.context ?? {})}`);
    }
  }
  assert.deepEqual([...new Set(denied)], [], 'calls the deploy policy does not allow');
  assert.ok(evaluated > 100, `only ${evaluated} requests evaluated`);
  process.stdout.write(`# deploy-role policy: ${recordedCalls.length} calls, ${evaluated} authorization requests evaluated\n`);

  // Least privilege: only the statements documented as unscopable use "Resource": "*".
  const wildcard = policy.Statement.filter((statement) => [statement.Resource].flat().includes('*')).map((statement) => statement.Sid).sort();
  assert.deepEqual(wildcard, withDomain ? ['Certificate', 'FindSecret', 'FindZone', 'ListAndIdentify'] : ['FindSecret', 'ListAndIdentify']);
});

test('the evaluator denies what the policy does not name (so the test above can fail)', () => {
  const names = deriveNames(parseConfig({ project: PROJECT, region }, 'test', process.cwd()), ACCOUNT, region);
  const policy = deployPolicy({ names, deployRoleArn: `arn:aws:iam::${ACCOUNT}:role/${names.deployRole}`, providerArn: 'arn:aws:iam::1:oidc-provider/x' });
  assert.equal(evaluate(policy, { action: 'iam:ListRoles', resource: `arn:aws:iam::${ACCOUNT}:role/x` }).allowed, false);
  assert.equal(evaluate(policy, { action: 's3:DeleteBucket', resource: `arn:aws:s3:::${names.stateBucket}` }).allowed, false);
  assert.equal(evaluate(policy, { action: 'iam:PassRole', resource: projectArns(names).counterRole, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }).allowed, false);
  assert.equal(evaluate(policy, { action: 'iam:PassRole', resource: projectArns(names).counterRole, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }).allowed, true);
  assert.equal(evaluate(policy, { action: 'dynamodb:DeleteTable', resource: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/other` }).allowed, false);
});
