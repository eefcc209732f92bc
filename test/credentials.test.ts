// Credentials behave as the AWS CLI's: one provider shared by every client and resolved once per
// run, an MFA profile that asks for its code (and says what to do without a terminal), an expired
// SSO session that says `aws sso login --profile <p>`, and the SDK's own cause kept in the message.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialProvider } from '../src/aws/credentials.ts';
import { useEmulator } from './helpers/emulator.ts';
import { makeProject } from './helpers/cli.ts';

const emulator = await useEmulator();
const region = 'eu-west-1';
const SAVED = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'HOME', 'AWS_PROFILE', 'AWS_ENDPOINT_URL'] as const;
let saved: Record<string, string | undefined> = {};
let dir: string;

beforeEach(async () => {
  await emulator.reset();
  saved = Object.fromEntries(SAVED.map((name) => [name, process.env[name]]));
  dir = await mkdtemp(join(tmpdir(), 'credentials-'));
  // Only the profiles written below: no keys in the environment, no real ~/.aws.
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  process.env.HOME = dir;
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  await writeFile(join(dir, 'credentials'), '');
});

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A credential_process that counts how often it is asked. */
function countingProcess(): string {
  const count = join(dir, 'asked');
  return `/bin/sh -c 'echo x >> ${count}; printf "{\\"Version\\":1,\\"AccessKeyId\\":\\"test\\",\\"SecretAccessKey\\":\\"test\\"}"'`;
}

async function timesAsked(): Promise<number> {
  return (await readFile(join(dir, 'asked'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

test('every client of a run shares one provider, so the profile\'s credential_process runs once for a whole up', async () => {
  await writeFile(join(dir, 'config'), `[profile counted]\ncredential_process = ${countingProcess()}\n`);
  const project = await makeProject(emulator.endpoint, { project: 'creds', region });
  const run = await project.run('up', '--yes', '--profile', 'counted');
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.calls.length > 50, `up made ${run.calls.length} calls over many clients`);
  assert.equal(await timesAsked(), 1);
});

test('an MFA profile without a terminal says what to do instead', async () => {
  await writeFile(join(dir, 'config'), [
    '[profile base]', `credential_process = ${countingProcess()}`,
    '[profile mfa]', 'role_arn = arn:aws:iam::123456789012:role/admin', 'source_profile = base', 'mfa_serial = arn:aws:iam::123456789012:mfa/jane', '',
  ].join('\n'));
  const project = await makeProject(emulator.endpoint, { project: 'creds', region });
  const run = await project.run('status', '--profile', 'mfa');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /profile mfa needs an MFA code \(mfa_serial arn:aws:iam::123456789012:mfa\/jane\) and there is no terminal/);
  assert.match(run.stderr, /aws sts get-session-token --serial-number arn:aws:iam::123456789012:mfa\/jane/);
});

test('an MFA profile asks for the code and assumes the role with it', async () => {
  await writeFile(join(dir, 'config'), [
    '[profile base]', `credential_process = ${countingProcess()}`,
    '[profile mfa]', 'role_arn = arn:aws:iam::123456789012:role/admin', 'source_profile = base', 'mfa_serial = arn:aws:iam::123456789012:mfa/jane', `region = ${region}`, '',
  ].join('\n'));
  process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  const asked: string[] = [];
  const provider = credentialProvider({ profile: 'mfa', askMfaCode: async (serial) => {
    asked.push(serial);
    return '123456';
  } });
  const credentials = await provider();
  assert.deepEqual(asked, ['arn:aws:iam::123456789012:mfa/jane']);
  assert.ok(credentials.sessionToken, 'temporary credentials from AssumeRole');
  assert.notEqual(credentials.accessKeyId, 'test');
});

test('an expired SSO session says `aws sso login --profile <p>` and keeps the SDK\'s cause', async () => {
  await writeFile(join(dir, 'config'), [
    '[profile work]', 'sso_session = corp', 'sso_account_id = 123456789012', 'sso_role_name = Admin', `region = ${region}`,
    '[sso-session corp]', 'sso_start_url = https://corp.awsapps.com/start', 'sso_region = us-east-1', '',
  ].join('\n'));
  const project = await makeProject(emulator.endpoint, { project: 'creds', region });
  const run = await project.run('status', '--profile', 'work');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /SSO session of profile work has expired; run `aws sso login --profile work`/);
  assert.match(run.stderr, /\(.*SSO.*\)/i, 'the SDK\'s own message is kept');
});

test('no credentials at all keeps the SDK\'s cause in the one-line message', async () => {
  await writeFile(join(dir, 'config'), '');
  const project = await makeProject(emulator.endpoint, { project: 'creds', region });
  const run = await project.run('status', '--profile', 'nowhere');
  assert.equal(run.code, 1);
  assert.match(run.stderr, /no usable AWS credentials for profile nowhere \(.+\)/);
  assert.match(run.stderr, /nowhere/);
});
