// The project's foundation (counter table, secret parameter, state bucket and object) against the emulator.
// Importing this module starts the emulator and registers a beforeEach that gives every test a fresh project.
import { beforeEach } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { S3Client } from '@aws-sdk/client-s3';
import type { StateStore } from '../../src/state/store.ts';
import { useEmulator } from './emulator.ts';
import { makeProject, type TestProject } from './cli.ts';
import { objectExists, openStateStore, readJson, readText, stateBucket } from './s3.ts';

export const emulator = await useEmulator();
export const region = 'eu-west-1';
export const aws = { endpoint: emulator.endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
export const dynamodb = new DynamoDBClient(aws);
export const ssm = new SSMClient(aws);
export const s3 = new S3Client({ ...aws, forcePathStyle: true });

export const TABLE = 'jane-resume-counter';
export const PARAMETER = '/resume-infra/jane-resume/ip-hash-secret';
export const STATE_BUCKET = stateBucket(region);
export const STATE_KEY = 'jane-resume/state.json';

export let project: TestProject;

beforeEach(async () => {
  await emulator.reset();
  project = await makeProject(emulator.endpoint, { project: 'jane-resume', region, tags: { owner: 'jane' } });
});

/** The state object exactly as stored. */
export function stateBody(): Promise<string> {
  return readText(s3, STATE_BUCKET, STATE_KEY);
}

export function stateDocument<T>(): Promise<T> {
  return readJson<T>(s3, STATE_BUCKET, STATE_KEY);
}

export function stateObjectExists(key: string): Promise<boolean> {
  return objectExists(s3, STATE_BUCKET, key);
}

/** The project's state store as the CLI opens it, for driving the lock and writes directly. */
export function openStore(): Promise<StateStore> {
  return openStateStore(emulator.endpoint, project.configPath, region);
}

export function planned(stdout: string): { create: string[]; update: string[] } {
  const document = JSON.parse(stdout) as { changes: Array<{ resource: string; action: string }> };
  return {
    create: document.changes.filter((change) => change.action === 'create').map((change) => change.resource),
    update: document.changes.filter((change) => change.action === 'update').map((change) => change.resource),
  };
}
