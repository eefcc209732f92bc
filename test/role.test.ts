// src/resources/role.ts: the counter function's IAM role, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { ACCOUNT } from './helpers/emulator.ts';
import { region, iam, ROLE, ROLE_POLICY, LOG_GROUP, TABLE_ARN, PARAMETER_ARN, project, up, operations, normalizePolicy, decodePolicy } from './helpers/counter-stack.ts';

describe('role', () => {
  test('the role trusts only Lambda and its one inline policy allows exactly the table, the parameter and the log group', async () => {
    await up();

    const role = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role;
    assert.deepEqual(normalizePolicy(decodePolicy(role?.AssumeRolePolicyDocument)), normalizePolicy({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }));
    assert.ok(role?.Tags?.some((tag) => tag.Key === 'resume-infra:project' && tag.Value === 'jane-resume'));

    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames, [ROLE_POLICY]);
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }))).AttachedPolicies, []);
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: ROLE_POLICY }));
    assert.deepEqual(normalizePolicy(decodePolicy(inline.PolicyDocument)), normalizePolicy({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'CounterTable', Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem'], Resource: TABLE_ARN },
        { Sid: 'IpHashSecret', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: PARAMETER_ARN },
        { Sid: 'FunctionLogs', Effect: 'Allow', Action: ['logs:PutLogEvents', 'logs:CreateLogStream'], Resource: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${LOG_GROUP}:*` },
      ],
    }));
  });

  test('an inline policy added by hand shows in plan and up removes it', async () => {
    await up();
    await iam.send(new PutRolePolicyCommand({
      RoleName: ROLE,
      PolicyName: 'added-by-hand',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }),
    }));

    const plan = await project.run('plan');
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /otherInlinePolicies: \["added-by-hand"\] -> \[\]/);
    const fixed = await up();
    assert.deepEqual(operations(fixed).filter((operation) => operation.startsWith('IAM.')), ['IAM.DeleteRolePolicy']);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames, [ROLE_POLICY]);
  });
});
