// Reading the state bucket the way the tests check it: does an object exist, and what does it hold.
// Only a 404 means "missing"; any other error (access, endpoint, no such bucket in another form) is
// rethrown, so a check that expects no object cannot pass on a failed request.
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Aws } from '../../src/aws/clients.ts';
import { deriveNames, loadConfig, projectTags } from '../../src/config.ts';
import { StateStore } from '../../src/state/store.ts';
import { ACCOUNT } from './emulator.ts';

/** The state bucket `up` makes for the emulator's account in `region`. */
export function stateBucket(region: string): string {
  return `resume-infra-state-${ACCOUNT}-${region}`;
}

function isNotFound(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return $metadata?.httpStatusCode === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

/** True when the object exists, false only when S3 answers 404 (NotFound / NoSuchKey); any other error is rethrown. */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The object's body as text, exactly as stored. */
export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = await object.Body?.transformToString();
  if (body === undefined) throw new Error(`s3://${bucket}/${key} has no body`);
  return body;
}

/** The object's body parsed as JSON; the type is the caller's claim, not checked. */
export async function readJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
  return JSON.parse(await readText(s3, bucket, key)) as T;
}

/** A project's state store as the CLI opens it (from its config file), for driving the lock and writes directly. */
export async function openStateStore(endpoint: string, configPath: string, region: string): Promise<StateStore> {
  const config = await loadConfig(configPath);
  return new StateStore(new Aws({ region, endpointUrl: endpoint, maxAttempts: 1 }), deriveNames(config, ACCOUNT, region), projectTags(config));
}
