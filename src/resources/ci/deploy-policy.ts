// The inline policy of the GitHub deploy role: what `up`, `plan`, `deploy-lambda`, `deploy-site`,
// `invalidate`, `status` and `destroy` call, scoped to this project's names and ARNs wherever the
// service can be scoped by name. Where it cannot, the statement says why.
import type { Names } from '../../config.ts';
import type { PolicyDocument } from '../iam.ts';

/** IAM's limit for all inline policies of one role together, in characters without whitespace. */
export const INLINE_ROLE_POLICY_LIMIT = 10_240;

export interface DeployPolicyInput {
  names: Names;
  /** The config's domain: with it come the certificate and the DNS records. */
  domain?: string;
  /** The names that redirect to the domain: their records are the site's too. */
  redirectNames?: readonly string[];
  /** The hosted zone of the domain, when it exists already. */
  hostedZoneId?: string;
  /** ARNs the role may read about itself, so `plan` and `destroy` can see the CI resources. */
  deployRoleArn: string;
  providerArn: string;
}

type Statement = Record<string, unknown>;

function allow(sid: string, action: string[], resource: string | string[], condition?: Record<string, unknown>): Statement {
  return { Sid: sid, Effect: 'Allow', Action: action, Resource: resource, ...(condition ? { Condition: condition } : {}) };
}

export function projectArns(names: Names): {
  stateBucket: string; siteBucket: string; table: string; parameter: string; counterRole: string; function: string; logGroup: string;
} {
  const { region, account } = names;
  return {
    stateBucket: `arn:aws:s3:::${names.stateBucket}`,
    siteBucket: `arn:aws:s3:::${names.siteBucket}`,
    table: `arn:aws:dynamodb:${region}:${account}:table/${names.table}`,
    // The parameter name starts with "/", so no separator after `parameter`.
    parameter: `arn:aws:ssm:${region}:${account}:parameter${names.secretParameter}`,
    counterRole: `arn:aws:iam::${account}:role/${names.role}`,
    function: `arn:aws:lambda:${region}:${account}:function:${names.function}`,
    logGroup: `arn:aws:logs:${region}:${account}:log-group:${names.logGroup}`,
  };
}

const BUCKET_SETUP = [
  's3:CreateBucket', 's3:ListBucket', 's3:ListBucketVersions', 's3:GetBucket*', 's3:PutBucket*',
  's3:GetEncryptionConfiguration', 's3:PutEncryptionConfiguration',
];
const OBJECTS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'];

function storageStatements(input: DeployPolicyInput): Statement[] {
  const arns = projectArns(input.names);
  return [
    // The state bucket is never deleted, so no s3:DeleteBucket on it.
    allow('StateBucket', BUCKET_SETUP, arns.stateBucket),
    allow('StateObjects', OBJECTS, `${arns.stateBucket}/*`),
    allow('SiteBucket', [...BUCKET_SETUP, 's3:DeleteBucket', 's3:DeleteBucketPolicy'], arns.siteBucket),
    allow('SiteObjects', OBJECTS, `${arns.siteBucket}/*`),
    allow('CounterTable', [
      'dynamodb:CreateTable', 'dynamodb:DescribeTable', 'dynamodb:UpdateTable', 'dynamodb:DeleteTable',
      'dynamodb:DescribeTimeToLive', 'dynamodb:UpdateTimeToLive', 'dynamodb:DescribeContinuousBackups', 'dynamodb:UpdateContinuousBackups',
      'dynamodb:ListTagsOfResource', 'dynamodb:TagResource', 'dynamodb:UntagResource',
    ], arns.table),
    // The deploy role can create and tag the secret but never read its value (no ssm:GetParameter).
    allow('IpHashSecret', ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource', 'ssm:ListTagsForResource'], arns.parameter),
    // DescribeParameters cannot be scoped to a parameter.
    allow('FindSecret', ['ssm:DescribeParameters'], '*'),
  ];
}

function counterStatements(input: DeployPolicyInput): Statement[] {
  const arns = projectArns(input.names);
  const { region, account } = input.names;
  return [
    // Only the counter's role: the deploy role cannot touch any other role, its own included.
    allow('CounterRole', [
      'iam:GetRole', 'iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole',
      'iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:DetachRolePolicy',
    ], arns.counterRole),
    allow('PassCounterRoleToLambda', ['iam:PassRole'], arns.counterRole, { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } }),
    // Read-only, so `plan` and `destroy` can list the CI resources; changing them needs ci-setup's credentials.
    allow('SeeCiResources', ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies'], input.deployRoleArn),
    allow('SeeOidcProvider', ['iam:GetOpenIDConnectProvider'], input.providerArn),
    allow('CounterFunction', [
      'lambda:GetFunction', 'lambda:GetFunctionConfiguration', 'lambda:CreateFunction', 'lambda:DeleteFunction',
      'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion',
      'lambda:GetPolicy', 'lambda:AddPermission', 'lambda:RemovePermission', 'lambda:ListTags', 'lambda:TagResource', 'lambda:UntagResource',
    ], [arns.function, `${arns.function}:*`]),
    allow('CounterLogGroup', [
      'logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:ListTagsForResource', 'logs:TagResource', 'logs:UntagResource',
    ], [arns.logGroup, `${arns.logGroup}:*`]),
    allow('FindLogGroup', ['logs:DescribeLogGroups'], `arn:aws:logs:${region}:${account}:log-group:*`),
    // REST API ids are made by API Gateway, so the API cannot be named in advance: every REST API of
    // the region (apigateway:* actions are HTTP verbs on these paths).
    allow('CounterApi', ['apigateway:GET', 'apigateway:POST', 'apigateway:PUT', 'apigateway:PATCH', 'apigateway:DELETE'], [
      `arn:aws:apigateway:${region}::/restapis`, `arn:aws:apigateway:${region}::/restapis/*`, `arn:aws:apigateway:${region}::/tags/*`,
    ]),
  ];
}

function cdnStatements(input: DeployPolicyInput): Statement[] {
  const { account } = input.names;
  const statements: Statement[] = [
    // Distribution and OAC ids are made by CloudFront, so they cannot be named in advance; they are
    // limited to this account. CloudFront's support for aws:ResourceTag conditions is not documented
    // action by action, and a condition it does not evaluate would deny `up` itself, so none is used.
    allow('SiteDistribution', [
      'cloudfront:CreateDistribution', 'cloudfront:CreateDistributionWithTags', 'cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig',
      'cloudfront:UpdateDistribution', 'cloudfront:DeleteDistribution', 'cloudfront:TagResource', 'cloudfront:UntagResource', 'cloudfront:ListTagsForResource',
      'cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation', 'cloudfront:ListInvalidations',
    ], `arn:aws:cloudfront::${account}:distribution/*`),
    allow('SiteOriginAccess', [
      'cloudfront:CreateOriginAccessControl', 'cloudfront:GetOriginAccessControl', 'cloudfront:GetOriginAccessControlConfig',
      'cloudfront:UpdateOriginAccessControl', 'cloudfront:DeleteOriginAccessControl',
    ], `arn:aws:cloudfront::${account}:origin-access-control/*`),
    // The project's response headers policy (its id is made by CloudFront, like the OAC's).
    allow('SiteHeadersPolicy', [
      'cloudfront:CreateResponseHeadersPolicy', 'cloudfront:GetResponseHeadersPolicy', 'cloudfront:GetResponseHeadersPolicyConfig',
      'cloudfront:UpdateResponseHeadersPolicy', 'cloudfront:DeleteResponseHeadersPolicy',
    ], `arn:aws:cloudfront::${account}:response-headers-policy/*`),
    // The viewer-request function has a fixed name; publishing it is how a release goes live.
    allow('EdgeFunction', [
      'cloudfront:CreateFunction', 'cloudfront:DescribeFunction', 'cloudfront:GetFunction', 'cloudfront:UpdateFunction', 'cloudfront:PublishFunction',
      'cloudfront:DeleteFunction', 'cloudfront:TagResource', 'cloudfront:UntagResource', 'cloudfront:ListTagsForResource',
    ], `arn:aws:cloudfront::${account}:function/${input.names.edgeFunction}`),
    // List calls and the tagging API cannot be scoped; sts:GetCallerIdentity needs no permission but is named for clarity.
    // acm:ListCertificates with or without a domain: every up looks for certificates tagged for the project (orphans).
    allow('ListAndIdentify', [
      'cloudfront:ListDistributions', 'cloudfront:ListOriginAccessControls', 'cloudfront:ListResponseHeadersPolicies', 'tag:GetResources', 'sts:GetCallerIdentity', 'acm:ListCertificates',
    ], '*'),
    allow('CertificateDetails', ['acm:DescribeCertificate', 'acm:DeleteCertificate', 'acm:AddTagsToCertificate', 'acm:ListTagsForCertificate'], `arn:aws:acm:us-east-1:${account}:certificate/*`),
  ];
  if (!input.domain) return statements;
  const domain = input.domain.toLowerCase();
  const zone = input.hostedZoneId ? `arn:aws:route53:::hostedzone/${input.hostedZoneId}` : 'arn:aws:route53:::hostedzone/*';
  statements.push(
    // RequestCertificate cannot be scoped; certificate ids are made by ACM.
    allow('Certificate', ['acm:RequestCertificate'], '*'),
    allow('FindZone', ['route53:ListHostedZonesByName', 'route53:ListHostedZones', 'route53:GetChange'], '*'),
    allow('ReadZone', ['route53:ListResourceRecordSets'], zone),
    // Only the site's own names (the domain and its redirect names): their A/AAAA aliases and the certificate's `_<token>.<name>` CNAMEs.
    allow('SiteRecords', ['route53:ChangeResourceRecordSets'], zone, {
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [domain, ...(input.redirectNames ?? [])].flatMap((name) => [name, `_*.${name}`]) },
    }),
  );
  return statements;
}

/** The deploy role's inline policy, statement by statement. */
export function deployPolicy(input: DeployPolicyInput): PolicyDocument {
  return { Version: '2012-10-17', Statement: [...storageStatements(input), ...counterStatements(input), ...cdnStatements(input)] };
}

/** The size IAM counts against INLINE_ROLE_POLICY_LIMIT: the JSON text without whitespace. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s+/g, '').length;
}
