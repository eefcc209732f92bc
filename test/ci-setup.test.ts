// `ci-setup` against the emulator: the GitHub OIDC provider and the deploy role, their trust and
// inline policies, idempotence, `plan` and `destroy` covering them, and bad input.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateOpenIDConnectProviderCommand, CreateRoleCommand, GetOpenIDConnectProviderCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { deriveNames, MAX_REDIRECT_NAMES, parseConfig } from '../src/config.ts';
import { deployPolicy, INLINE_ROLE_POLICY_LIMIT, policySize } from '../src/resources/ci/deploy-policy.ts';
import { targetFromTrustPolicy, githubTrustPolicy } from '../src/resources/ci/deploy-role.ts';
import { decodePolicyDocument, type PolicyDocument } from '../src/resources/iam.ts';
import { ACCOUNT, useEmulator } from './helpers/emulator.ts';
import { makeProject, resourceMutations, type CliRun, type TestProject } from './helpers/cli.ts';
import { readJson, stateBucket } from './helpers/s3.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const iam = new IAMClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
const s3 = new S3Client({ endpoint: emulator.endpoint, region, credentials, forcePathStyle: true, maxAttempts: 1 });

const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const ROLE = 'jane-resume-github-deploy';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;
const ROLE_POLICY = 'jane-resume-github-deploy-policy';
const STATE_BUCKET = stateBucket(region);
const STATE_KEY = 'jane-resume/state.json';

let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, { project: 'jane-resume', region, tags: { owner: 'jane' } }, { 'site/index.html': '<h1>Jane</h1>\n' });
});

function expectedTrust(repo: string, branch: string): unknown {
  return {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': `repo:${repo}:ref:refs/heads/${branch}`,
        },
      },
    }],
  };
}

async function ciSetup(...args: string[]): Promise<CliRun> {
  const result = await project.run('ci-setup', ...args);
  assert.equal(result.code, 0, result.stderr);
  return result;
}

async function roleExists(): Promise<boolean> {
  try {
    await iam.send(new GetRoleCommand({ RoleName: ROLE }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException') return false;
    throw error;
  }
}

async function provider(): Promise<{ tags: Record<string, string> } | undefined> {
  try {
    const found = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }));
    return { tags: Object.fromEntries((found.Tags ?? []).map((tag) => [tag.Key, tag.Value])) };
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException') return undefined;
    throw error;
  }
}

async function inlinePolicy(): Promise<PolicyDocument> {
  const policy = await iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: ROLE_POLICY }));
  return decodePolicyDocument(policy.PolicyDocument ?? '') as PolicyDocument;
}

function statement(policy: PolicyDocument, sid: string): Record<string, unknown> {
  const found = policy.Statement.find((candidate) => candidate.Sid === sid);
  assert.ok(found, `statement ${sid} is in the policy`);
  return found;
}

function plannedChanges(run: CliRun): Array<{ resource: string; action: string; changes: Array<{ field: string }> }> {
  return (JSON.parse(run.stdout) as { changes: Array<{ resource: string; action: string; changes: Array<{ field: string }> }> }).changes;
}

describe('ci-setup', () => {
  test('creates the OIDC provider and a tagged deploy role that only the repository and branch can assume', async () => {
    const result = await ciSetup('--repo', 'jane/resume', '--branch', 'main');

    const made = await provider();
    assert.equal(made?.tags['resume-infra:project'], 'jane-resume');
    const found = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: PROVIDER_ARN }));
    assert.deepEqual(found.ClientIDList, ['sts.amazonaws.com']);

    const role = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role;
    assert.equal(role?.Arn, ROLE_ARN);
    assert.equal(role?.MaxSessionDuration, 3600);
    assert.ok(role?.AssumeRolePolicyDocument?.startsWith('%7B'), 'IAM returns the trust policy URL-encoded, so the comparison below parses it');
    assert.deepEqual(decodePolicyDocument(role?.AssumeRolePolicyDocument ?? ''), expectedTrust('jane/resume', 'main'));
    assert.deepEqual(role?.Tags?.find((tag) => tag.Key === 'owner'), { Key: 'owner', Value: 'jane' });
    assert.deepEqual(role?.Tags?.find((tag) => tag.Key === 'resume-infra:project'), { Key: 'resume-infra:project', Value: 'jane-resume' });

    assert.match(result.stdout, new RegExp(`^  gh variable set AWS_DEPLOY_ROLE_ARN --body ${ROLE_ARN} --repo jane/resume$`, 'm'));

    const state = await readJson<{ resources: Record<string, { arn?: string; outputs: Record<string, string> }> }>(s3, STATE_BUCKET, STATE_KEY);
    assert.equal(state.resources.deployRole?.arn, ROLE_ARN);
    assert.equal(state.resources.deployRole?.outputs.repo, 'jane/resume');
    assert.equal(state.resources.deployRole?.outputs.branch, 'main');
    assert.equal(state.resources.githubOidcProvider?.arn, PROVIDER_ARN);
  });

  test('the inline policy is scoped to the project: the table statement names exactly the table ARN', async () => {
    await ciSetup('--repo', 'jane/resume');
    const policy = await inlinePolicy();

    assert.deepEqual(statement(policy, 'CounterTable').Resource, `arn:aws:dynamodb:${region}:${ACCOUNT}:table/jane-resume-counter`);
    assert.deepEqual(statement(policy, 'IpHashSecret').Resource, `arn:aws:ssm:${region}:${ACCOUNT}:parameter/resume-infra/jane-resume/ip-hash-secret`);
    assert.deepEqual(statement(policy, 'CounterRole').Resource, `arn:aws:iam::${ACCOUNT}:role/jane-resume-counter-role`);
    assert.deepEqual(statement(policy, 'PassCounterRoleToLambda').Condition, { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
    assert.deepEqual(statement(policy, 'SiteObjects').Resource, `arn:aws:s3:::jane-resume-site-${ACCOUNT}/*`);
    // Only list-style actions may apply to every resource.
    const unscoped = policy.Statement.filter((entry) => entry.Resource === '*').flatMap((entry) => entry.Action as string[]).sort();
    assert.deepEqual(unscoped, ['acm:ListCertificates', 'cloudfront:ListDistributions', 'cloudfront:ListOriginAccessControls', 'cloudfront:ListResponseHeadersPolicies', 'ssm:DescribeParameters', 'sts:GetCallerIdentity', 'tag:GetResources']);
    // No config domain: no DNS permissions and no certificate request; listing and deleting the
    // account's certificates stays, for the orphan sweep.
    assert.equal(policy.Statement.some((entry) => JSON.stringify(entry.Action).includes('route53:')), false);
    assert.equal(policy.Statement.some((entry) => JSON.stringify(entry.Action).includes('acm:RequestCertificate')), false);
  });

  test('a second run changes nothing', async () => {
    await ciSetup('--repo', 'jane/resume');
    const second = await ciSetup('--repo', 'jane/resume', '--json');

    assert.deepEqual(resourceMutations(second.calls).map((call) => `${call.service}.${call.operation}`), []);
    const document = JSON.parse(second.stdout) as { roleArn: string; ghVariableCommand: string; summary: Record<string, number>; repo: string; branch: string };
    assert.equal(document.roleArn, ROLE_ARN);
    assert.equal(document.ghVariableCommand, `gh variable set AWS_DEPLOY_ROLE_ARN --body ${ROLE_ARN} --repo jane/resume`);
    assert.deepEqual(document.summary, { create: 0, update: 0, replace: 0, delete: 0 });
    assert.deepEqual([document.repo, document.branch], ['jane/resume', 'main']);
  });

  test('running it with another branch updates the trust policy to that branch only', async () => {
    await ciSetup('--repo', 'jane/resume');
    await ciSetup('--repo', 'jane/resume', '--branch', 'release/v2');

    const role = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role;
    assert.deepEqual(decodePolicyDocument(role?.AssumeRolePolicyDocument ?? ''), expectedTrust('jane/resume', 'release/v2'));
  });

  test('a deploy role that exists already with the wrong trust is adopted and corrected', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: JSON.stringify(expectedTrust('mallory/fork', 'main')) }));
    await ciSetup('--repo', 'jane/resume');

    const role = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role;
    assert.deepEqual(decodePolicyDocument(role?.AssumeRolePolicyDocument ?? ''), expectedTrust('jane/resume', 'main'));
    assert.equal(role?.Tags?.find((tag) => tag.Key === 'resume-infra:project')?.Value, 'jane-resume');
  });
});

describe('plan and destroy cover the CI resources', () => {
  test('plan after up and ci-setup exits 0, and shows a diff when the trust policy is changed out of band', async () => {
    assert.equal((await project.run('up')).code, 0);
    await ciSetup('--repo', 'jane/resume');
    const clean = await project.run('plan');
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);

    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: ROLE, PolicyDocument: JSON.stringify(expectedTrust('mallory/fork', 'main')) }));
    const drifted = await project.run('plan', '--json');
    assert.equal(drifted.code, 2, drifted.stderr);
    const role = plannedChanges(drifted).find((change) => change.resource === 'deployRole');
    assert.equal(role?.action, 'update');
    assert.deepEqual(role?.changes.map((change) => change.field), ['trustPolicy']);
    assert.deepEqual(resourceMutations(drifted.calls), [], 'plan is read-only');

    await ciSetup('--repo', 'jane/resume');
    assert.equal((await project.run('plan')).code, 0);
  });

  test('plan before ci-setup does not mention the CI resources', async () => {
    const result = await project.run('plan', '--json');
    assert.equal(plannedChanges(result).some((change) => change.resource === 'deployRole' || change.resource === 'githubOidcProvider'), false);
    await ciSetup('--repo', 'jane/resume');
    const after = await project.run('plan', '--json');
    assert.deepEqual(plannedChanges(after).filter((change) => change.resource === 'deployRole' || change.resource === 'githubOidcProvider'), []);
  });

  test('up leaves the CI resources alone, and destroy deletes them after the main stack', async () => {
    await ciSetup('--repo', 'jane/resume');
    const up = await project.run('up');
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(up.calls.filter((call) => call.mutating && call.target?.includes('github-deploy')), []);
    assert.equal(await roleExists(), true);

    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stderr);
    const deletes = resourceMutations(result.calls).filter((call) => call.operation.startsWith('Delete') && !(call.target ?? '').endsWith(STATE_KEY));
    const deployRoleDelete = deletes.find((call) => call.operation === 'DeleteRole' && call.target === ROLE);
    const tableDelete = deletes.find((call) => call.operation === 'DeleteTable');
    assert.ok(deployRoleDelete && tableDelete, 'both the table and the deploy role were deleted');
    assert.ok(deletes.filter((call) => call.seq > deployRoleDelete.seq).every((call) => call.service === 'IAM'), 'only CI resources are deleted after the deploy role');
    assert.ok(tableDelete.seq < deployRoleDelete.seq);
  });

  test('destroy deletes the deploy role and the OIDC provider ci-setup created', async () => {
    await ciSetup('--repo', 'jane/resume');
    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stderr);

    assert.equal(await roleExists(), false);
    assert.equal(await provider(), undefined);
    assert.match(result.stderr, /GitHub deploy role \(ci-setup\) jane-resume-github-deploy/);
  });

  test('destroy keeps an OIDC provider that existed before ci-setup, untagged', async () => {
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com'] }));
    const setup = await ciSetup('--repo', 'jane/resume');
    assert.match(setup.stdout, /existed already; destroy keeps it/);
    assert.deepEqual((await provider())?.tags, {}, 'ci-setup does not claim a provider it did not make');

    const result = await project.run('destroy', '--yes', '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await roleExists(), false);
    assert.ok(await provider(), 'the pre-existing provider is still there');
    const document = JSON.parse(result.stdout) as { kept: string[] };
    assert.equal(document.kept.length, 1);
    assert.match(document.kept[0] ?? '', /GitHub OIDC provider .*existed before resume-infra/);
  });

  test('destroy keeps the provider it made while another role still trusts it', async () => {
    await ciSetup('--repo', 'jane/resume');
    await iam.send(new CreateRoleCommand({ RoleName: 'someone-elses-deploy', AssumeRolePolicyDocument: JSON.stringify(expectedTrust('acme/site', 'main')) }));

    const result = await project.run('destroy', '--yes');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await roleExists(), false);
    assert.ok(await provider());
    assert.match(result.stderr, /still trusted by the role someone-elses-deploy/);
  });
});

describe('bad input', () => {
  for (const repo of ['not a repo', 'owner/', 'a/b/c', '-jane/resume', 'jane/re$ume']) {
    test(`--repo ${JSON.stringify(repo)} is a one-line error naming the value, before any AWS call`, async () => {
      const result = await project.run('ci-setup', '--repo', repo);
      assert.equal(result.code, 1);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
      assert.ok(result.stderr.startsWith(`error: --repo ${JSON.stringify(repo)} is not a GitHub repository`), result.stderr);
      assert.deepEqual(result.calls, []);
    });
  }

  for (const branch of ['has space', 'a..b', 'refs/heads/main', 'x.lock', 'feature/', 'why?']) {
    test(`--branch ${JSON.stringify(branch)} is a one-line error naming the value, before any AWS call`, async () => {
      const result = await project.run('ci-setup', '--repo', 'jane/resume', '--branch', branch);
      assert.equal(result.code, 1);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
      assert.ok(result.stderr.startsWith(`error: --branch ${JSON.stringify(branch)} is not a valid branch name`), result.stderr);
      assert.deepEqual(result.calls, []);
    });
  }

  test('valid names with dots, underscores and hyphens are accepted', async () => {
    const result = await ciSetup('--repo', 'Jane-Doe/my.resume_site-2', '--branch', 'feature/new-look');
    assert.match(result.stdout, /--repo Jane-Doe\/my\.resume_site-2$/m);
  });

  test('ci-setup without --repo says the option is required', async () => {
    const result = await project.run('ci-setup');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /required option '--repo <owner\/name>' not specified/);
    assert.deepEqual(result.calls, []);
  });
});

describe('deploy policy', () => {
  const config = parseConfig({ project: 'jane-resume', domain: 'resume.example.com' }, 'test', '/tmp');
  const names = deriveNames(config, ACCOUNT, region);
  const input = { names, deployRoleArn: ROLE_ARN, providerArn: PROVIDER_ARN };

  test('with a domain and a known zone, record changes are limited to that zone and the site names', () => {
    const policy = deployPolicy({ ...input, domain: 'Resume.Example.com', hostedZoneId: 'Z123' });
    const records = statement(policy, 'SiteRecords');
    assert.equal(records.Resource, 'arn:aws:route53:::hostedzone/Z123');
    assert.deepEqual(records.Condition, {
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['resume.example.com', '_*.resume.example.com'] },
    });
    assert.deepEqual(statement(policy, 'CertificateDetails').Resource, `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/*`);
  });

  test('the redirect names are site names too: their aliases and validation CNAMEs may change', () => {
    const policy = deployPolicy({ ...input, domain: 'example.com', redirectNames: ['www.example.com'], hostedZoneId: 'Z123' });
    assert.deepEqual(statement(policy, 'SiteRecords').Condition, {
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['example.com', '_*.example.com', 'www.example.com', '_*.www.example.com'] },
    });
  });

  test('no statement grants a write action on every resource, and every statement has a unique Sid', () => {
    const policy = deployPolicy({ ...input, domain: 'resume.example.com', hostedZoneId: 'Z123' });
    const sids = policy.Statement.map((entry) => entry.Sid);
    assert.equal(new Set(sids).size, sids.length);
    const readOnly = /^(sts:GetCallerIdentity|tag:GetResources|[a-z0-9]+:(List|Describe|Get)[A-Za-z]*)$/;
    const unscopedWrites = policy.Statement.filter((entry) => entry.Resource === '*')
      .flatMap((entry) => entry.Action as string[])
      .filter((action) => !readOnly.test(action) && action !== 'acm:RequestCertificate');
    assert.deepEqual(unscopedWrites, []);
  });

  test('the longest names still fit IAM\'s inline policy limit', () => {
    const long = parseConfig({ project: `a${'b'.repeat(30)}c`, domain: `${'d'.repeat(60)}.example.com`, state: { bucket: 'e'.repeat(63) } }, 'test', '/tmp');
    // And the most redirect names the config takes, as long as the domain.
    const redirectNames = Array.from({ length: MAX_REDIRECT_NAMES }, (_, index) => `${String(index).repeat(60)}.example.com`);
    const policy = deployPolicy({ names: deriveNames(long, ACCOUNT, 'ap-southeast-2'), domain: long.domain, redirectNames, hostedZoneId: 'Z0123456789ABCDEFGHIJ', deployRoleArn: ROLE_ARN, providerArn: PROVIDER_ARN });
    const size = policySize(policy);
    assert.ok(size > 4000 && size < INLINE_ROLE_POLICY_LIMIT, `policy is ${size} characters`);
  });

  test('the trust policy round-trips to the repository and branch it names', () => {
    assert.deepEqual(targetFromTrustPolicy(githubTrustPolicy(PROVIDER_ARN, { repo: 'jane/resume', branch: 'release/v2' })), { repo: 'jane/resume', branch: 'release/v2' });
    assert.equal(targetFromTrustPolicy({ Statement: [{ Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:jane/*' } } }] }), undefined);
  });
});
