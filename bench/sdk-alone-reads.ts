// The second wave of bench/sdk-alone.ts: every read of a `plan` that needs the state, by the ids it
// records. A module of its own, so that its clients load while the first wave is on its way.
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import {
  GetDeploymentCommand, GetResourcesCommand as GetApiResourcesCommand, GetRestApiCommand, GetRestApisCommand, GetStageCommand, APIGatewayClient,
} from '@aws-sdk/client-api-gateway';
import {
  CloudFrontClient, DescribeFunctionCommand, GetDistributionCommand, GetFunctionCommand as GetEdgeFunctionCommand, GetOriginAccessControlCommand,
  GetResponseHeadersPolicyCommand, ListDistributionsCommand, ListTagsForResourceCommand as ListDistributionTagsCommand,
} from '@aws-sdk/client-cloudfront';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, ListTagsForResourceCommand as ListLogTagsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetFunctionCommand, GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { ListResourceRecordSetsCommand, type Route53Client } from '@aws-sdk/client-route-53';
import {
  GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand, GetBucketTaggingCommand, GetObjectCommand,
  GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectsV2Command, type S3Client,
} from '@aws-sdk/client-s3';
import { DescribeParametersCommand, ListTagsForResourceCommand as ListParameterTagsCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Recorded, StateDocument } from './sdk-alone.ts';

export interface FirstWave { s3: S3Client; route53: Route53Client; config: { endpoint: string; region: string; maxAttempts: number }; project: string; stateBucket: string; state: StateDocument }

export async function secondWave({ s3, route53, config, project, stateBucket, state }: FirstWave): Promise<void> {
  const resource = (key: string): Recorded => {
    const found = state.resources[key];
    if (!found) throw new Error(`the state records no ${key}`);
    return found;
  };
  const output = (key: string, name: string): string => {
    const value = resource(key).outputs?.[name];
    if (value === undefined) throw new Error(`the state records no ${key}.outputs.${name}`);
    return value;
  };
  const cloudfront = new CloudFrontClient(config);
  const iam = new IAMClient(config);
  const apigateway = new APIGatewayClient(config);
  const lambda = new LambdaClient(config);
  const logs = new CloudWatchLogsClient(config);
  const ssm = new SSMClient(config);
  const acm = new ACMClient(config);
  const dynamodb = new DynamoDBClient(config);
  const tagging = new ResourceGroupsTaggingAPIClient(config);
  const site = resource('siteBucket').id;
  const restApiId = resource('api').id;
  const role = resource('role').id;
  const table = resource('table');
  const secret = resource('secret');
  const logGroup = resource('logGroup');
  const certificate = resource('certificate');
  const distribution = resource('distribution');
  const edge = resource('edgeFunction');
  const fn = resource('function').id;
  const wave: Array<Promise<unknown>> = [
    s3.send(new ListObjectsV2Command({ Bucket: site, Delimiter: '/', Prefix: '' })),
    s3.send(new ListObjectsV2Command({ Bucket: site, Delimiter: '/', Prefix: 'releases/' })),
    s3.send(new ListObjectsV2Command({ Bucket: site, Prefix: 'release-manifests/' })),
    s3.send(new GetObjectCommand({ Bucket: stateBucket, Key: `${project}/state.json.lock` })).catch(() => undefined),
    s3.send(new HeadBucketCommand({ Bucket: site })),
    s3.send(new GetPublicAccessBlockCommand({ Bucket: site })),
    s3.send(new GetBucketEncryptionCommand({ Bucket: site })),
    s3.send(new GetBucketOwnershipControlsCommand({ Bucket: site })),
    s3.send(new GetBucketPolicyCommand({ Bucket: site })),
    s3.send(new GetBucketTaggingCommand({ Bucket: site })),
    cloudfront.send(new GetEdgeFunctionCommand({ Name: edge.id, Stage: 'LIVE' })),
    cloudfront.send(new DescribeFunctionCommand({ Name: edge.id, Stage: 'DEVELOPMENT' })),
    cloudfront.send(new GetOriginAccessControlCommand({ Id: resource('oac').id })),
    cloudfront.send(new GetResponseHeadersPolicyCommand({ Id: resource('headersPolicy').id })),
    cloudfront.send(new ListDistributionTagsCommand({ Resource: edge.arn })),
    cloudfront.send(new ListDistributionTagsCommand({ Resource: distribution.arn })),
    cloudfront.send(new ListDistributionsCommand({})),
    cloudfront.send(new GetDistributionCommand({ Id: distribution.id })),
    iam.send(new GetRoleCommand({ RoleName: `${project}-github-deploy` })).catch(() => undefined),
    iam.send(new GetRoleCommand({ RoleName: role })),
    iam.send(new ListRolePoliciesCommand({ RoleName: role })),
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role })),
    iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: `${project}-counter-policy` })).catch(() => undefined),
    route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: output('dnsRecords', 'hostedZoneId') })),
    apigateway.send(new GetRestApiCommand({ restApiId })),
    apigateway.send(new GetDeploymentCommand({ restApiId, deploymentId: output('api', 'deploymentId') })),
    apigateway.send(new GetApiResourcesCommand({ restApiId, limit: 500, embed: ['methods'] })),
    apigateway.send(new GetStageCommand({ restApiId, stageName: output('api', 'stageName') })),
    apigateway.send(new GetRestApisCommand({ limit: 500 })),
    lambda.send(new GetFunctionCommand({ FunctionName: fn })),
    lambda.send(new GetPolicyCommand({ FunctionName: fn })),
    logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroup.id })),
    logs.send(new ListLogTagsCommand({ resourceArn: logGroup.arn })),
    ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [secret.id] }] })),
    ssm.send(new ListParameterTagsCommand({ ResourceType: 'Parameter', ResourceId: secret.id })),
    acm.send(new DescribeCertificateCommand({ CertificateArn: certificate.id })),
    acm.send(new ListCertificatesCommand({})),
    acm.send(new ListTagsForCertificateCommand({ CertificateArn: certificate.id })),
    dynamodb.send(new DescribeTableCommand({ TableName: table.id })),
    dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table.id })),
    dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table.id })),
    dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: table.arn })),
    tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: 'resume-infra:project', Values: [project] }], ResourceTypeFilters: ['dynamodb', 'lambda', 'ssm'] })),
  ];
  await Promise.all(wave);
}
