// What the tests check of a site's releases, through the SDK: which release the function's LIVE
// stage serves, which releases are complete, and whether one is whole.
import assert from 'node:assert/strict';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Aws } from '../../src/aws/clients.ts';
import { readStage } from '../../src/edge/function-api.ts';
import { isResponse, runViewerRequest, viewerRequestEvent } from '../../src/edge/runtime.ts';
import { etagMd5 } from '../../src/site/plan.ts';
import { MANIFEST_PREFIX, RELEASES_PREFIX, type Manifest } from '../../src/site/releases.ts';
import type { CliRun } from './cli.ts';
import { readJson, readText } from './s3.ts';

export interface StoredSite {
  live: string;
  previous?: string;
  rolledBackFrom?: string;
}

/** The release the function's LIVE stage serves ('' = the bucket root). */
export async function liveRelease(endpoint: string, functionName: string): Promise<string> {
  const aws = new Aws({ region: 'us-east-1', endpointUrl: endpoint, maxAttempts: 1 });
  try {
    const stage = await readStage(aws, functionName, 'LIVE');
    assert.ok(stage?.settings, `the function ${functionName} has no LIVE stage with settings`);
    return stage.settings.release;
  } finally {
    aws.destroy();
  }
}

/**
 * What a visitor gets for `path`: the function's LIVE code runs on the request (in node:vm, with
 * CloudFront's event shape), and the object at the URI it returns is read from the bucket.
 */
export async function served(endpoint: string, functionName: string, s3: S3Client, bucket: string, path: string): Promise<string> {
  const aws = new Aws({ region: 'us-east-1', endpointUrl: endpoint, maxAttempts: 1 });
  try {
    const stage = await readStage(aws, functionName, 'LIVE');
    assert.ok(stage, `the function ${functionName} has no LIVE stage`);
    const result = await runViewerRequest(stage.code, viewerRequestEvent({ uri: path, headers: { host: 'd111111abcdef8.cloudfront.net' } }));
    assert.ok(!isResponse(result), `the function answered ${path} itself`);
    return await readText(s3, bucket, result.uri.slice(1));
  } finally {
    aws.destroy();
  }
}

/** Every object key of the bucket with its MD5, by listing. */
export async function bucketObjects(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
    for (const object of page.Contents ?? []) objects.set(object.Key ?? '', etagMd5(object.ETag ?? '') ?? '');
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

/** Ids of the releases with a manifest. */
export function completeIds(objects: Map<string, string>): string[] {
  return [...objects.keys()].filter((key) => key.startsWith(MANIFEST_PREFIX)).map((key) => key.slice(MANIFEST_PREFIX.length, -'.json'.length)).sort();
}

/** Ids that have objects under `releases/`. */
export function releaseDirs(objects: Map<string, string>): string[] {
  return [...new Set([...objects.keys()].filter((key) => key.startsWith(RELEASES_PREFIX)).map((key) => key.split('/')[1] ?? ''))].sort();
}

export function readManifest(s3: S3Client, bucket: string, id: string): Promise<Manifest> {
  return readJson<Manifest>(s3, bucket, `${MANIFEST_PREFIX}${id}.json`);
}

/** Asserts `id` has a manifest and every file it lists exists under `releases/<id>/` with its MD5. */
export async function assertComplete(s3: S3Client, bucket: string, id: string, context: string): Promise<Manifest> {
  const objects = await bucketObjects(s3, bucket);
  assert.ok(objects.has(`${MANIFEST_PREFIX}${id}.json`), `${context}: release ${id} has no manifest`);
  const manifest = await readManifest(s3, bucket, id);
  const missing = manifest.files.filter((file) => objects.get(`${RELEASES_PREFIX}${id}/${file.key}`) !== file.md5).map((file) => file.key);
  assert.deepEqual(missing, [], `${context}: release ${id} lacks files its manifest lists`);
  return manifest;
}

/** Calls of a run on the site bucket: `operation` whose target starts with `<bucket>/<prefix>`. */
export function siteCalls(run: CliRun, bucket: string, operation: string, prefix = ''): number {
  return run.calls.filter((call) => call.operation === operation && (call.target ?? '').startsWith(`${bucket}/${prefix}`)).length;
}

export function callsOf(run: CliRun, operation: string): number {
  return run.calls.filter((call) => call.operation === operation).length;
}
