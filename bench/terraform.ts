// Runs the Terraform configuration in bench/terraform/ against the emulator (through the
// recording proxy): a work directory under bench/.work/ with a copy of the .tf files, a CLI
// config that installs the AWS provider from the offline mirror only, and the S3 backend's
// settings.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type RunResult } from './exec.ts';

export const PROVIDER_MIRROR = '/opt/tf-plugins';
export const STATE_BUCKET = 'bench-tf-state';
const TERRAFORM_SOURCE = new URL('./terraform/', import.meta.url);

export interface TerraformOptions {
  workDir: string;
  /** Every AWS call of the provider and of the backend goes here. */
  endpoint: string;
  project: string;
  region: string;
  lambdaZip: string;
  /** resume-infra's src/edge/viewer-request.js: Terraform fills in its settings as the tool does. */
  viewerRequestJs: string;
  siteDir: string;
  /** With a domain: the certificate, its validation records and the alias records too. */
  domain?: { name: string; hostedZone: string };
  logFile: string;
}

export interface Terraform {
  init(): Promise<RunResult>;
  apply(): Promise<RunResult>;
  /** `plan -detailed-exitcode`: exit 0 = no changes, 2 = changes. */
  plan(): Promise<RunResult>;
  destroy(): Promise<RunResult>;
  version(): Promise<RunResult>;
}

const hcl = (value: string) => JSON.stringify(value);

export async function prepareTerraform(options: TerraformOptions): Promise<Terraform> {
  const { workDir, endpoint } = options;
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  for (const name of await readdir(TERRAFORM_SOURCE)) {
    if (name.endsWith('.tf')) await copyFile(new URL(name, TERRAFORM_SOURCE), join(workDir, name));
  }
  // Only the mirror: with no `direct` block, init never reaches for a registry.
  await writeFile(join(workDir, 'cli.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path = ${hcl(PROVIDER_MIRROR)}\n  }\n}\n`);
  await writeFile(join(workDir, 'backend.hcl'), [
    `bucket = ${hcl(STATE_BUCKET)}`,
    `key = ${hcl(`${options.project}/terraform.tfstate`)}`,
    `region = ${hcl(options.region)}`,
    'use_lockfile = true',
    // moto: the emulator takes path-style requests and fixed test credentials, and has no
    // instance metadata or real account to look up.
    'use_path_style = true',
    `endpoints = { s3 = ${hcl(endpoint)}, sts = ${hcl(endpoint)} }`,
    'access_key = "test"',
    'secret_key = "test"',
    'skip_credentials_validation = true',
    'skip_requesting_account_id = true',
    'skip_metadata_api_check = true',
    'skip_region_validation = true',
    '',
  ].join('\n'));
  await writeFile(join(workDir, 'terraform.tfvars'), [
    `project = ${hcl(options.project)}`,
    `region = ${hcl(options.region)}`,
    `endpoint = ${hcl(endpoint)}`,
    `lambda_zip = ${hcl(options.lambdaZip)}`,
    `viewer_request_js = ${hcl(options.viewerRequestJs)}`,
    `site_dir = ${hcl(options.siteDir)}`,
    ...(options.domain ? [`domain = ${hcl(options.domain.name)}`, `hosted_zone = ${hcl(options.domain.hostedZone)}`] : []),
    '',
  ].join('\n'));

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TF_CLI_CONFIG_FILE: join(workDir, 'cli.tfrc'),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    // No version check against HashiCorp's servers: there is no network, and it is not AWS work.
    CHECKPOINT_DISABLE: '1',
    // Passed the way a CI job would: an environment variable, never written to a file.
    TF_VAR_ip_hash_secret: randomBytes(32).toString('base64'),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const terraform = (args: string[], timeoutMs = 15 * 60_000) => run('terraform', args, { cwd: workDir, env, logFile: options.logFile, timeoutMs });
  const common = ['-input=false', '-no-color'];
  return {
    init: () => terraform(['init', ...common, '-reconfigure', '-backend-config=backend.hcl']),
    apply: () => terraform(['apply', ...common, '-auto-approve']),
    plan: () => terraform(['plan', ...common, '-detailed-exitcode']),
    destroy: () => terraform(['destroy', ...common, '-auto-approve']),
    version: () => terraform(['version']),
  };
}

/** Seconds Terraform reported for each resource's create, update or destroy ("Creation complete after 30s"). */
export function resourceSeconds(output: string): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const match of output.matchAll(/^(\S+): (?:Creation|Destruction|Modifications) complete after (?:(\d+)m)?(\d+)s/gm)) {
    const [, address, minutes, secs] = match;
    if (address !== undefined) seconds[address] = Number(minutes ?? 0) * 60 + Number(secs ?? 0);
  }
  return seconds;
}
