// The state document in S3: bootstrap of the bucket, the lock, and ETag-checked writes.
import { hostname, userInfo } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand, DeleteObjectCommand, GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand, GetBucketTaggingCommand,
  GetBucketVersioningCommand, GetObjectCommand, GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectsV2Command, PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand, PutBucketTaggingCommand, PutBucketVersioningCommand, PutObjectCommand,
  PutPublicAccessBlockCommand, S3Client, type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import type { Aws } from '../aws/clients.ts';
import type { Names } from '../config.ts';
import { errorName, httpStatus, LockedError, NotDeployedError, UserError } from '../errors.ts';
import { parseState, type StateDocument } from './document.ts';
import { plainHint, type CommandHint } from '../ui/recovery.ts';

export interface LockInfo {
  id: string;
  who: string;
  command: string;
  createdAt: string;
  pid: number;
}

/** A lock this run holds: what it wrote, and the ETag S3 gave it, for the conditional release. */
export interface HeldLock extends LockInfo {
  etag: string;
}

/** What ensureBucket did: made the bucket, finished the setup a killed run left half done, or nothing. */
export type StateBucketSetup = 'created' | 'completed' | 'ready';

export interface LoadedState {
  document: StateDocument;
  /** ETag of the stored object; undefined when no state exists yet. */
  etag: string | undefined;
}

function isMissing(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || httpStatus(error) === 404;
}

function isPreconditionFailed(error: unknown): boolean {
  return errorName(error) === 'PreconditionFailed' || httpStatus(error) === 412;
}

export class StateStore {
  private readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly lockKey: string;
  private readonly project: string;

  /** `hint` builds the commands printed for the user, e.g. the unlock command. */
  constructor(aws: Aws, names: Names, private readonly tags: Record<string, string>, private readonly hint: CommandHint = plainHint) {
    this.s3 = aws.client(S3Client);
    this.project = names.project;
    this.bucket = names.stateBucket;
    this.key = names.stateKey;
    this.lockKey = names.lockKey;
  }

  get location(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  private foreignBucket(): UserError {
    return new UserError(`state bucket ${this.bucket} belongs to another account or denies access; set "state": {"bucket": "<a bucket you own>"} in the config`);
  }

  async bucketExists(): Promise<boolean> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      if (httpStatus(error) === 403) throw this.foreignBucket();
      throw error;
    }
  }

  /**
   * Creates the state bucket when missing: private, owner-enforced, encrypted, tagged, and then
   * versioned. Versioning goes last and marks a finished setup: a run killed in between leaves an
   * unversioned, empty bucket (the lock is written only after this), and the next run completes
   * it, setting only what is not configured at all. A bucket that already holds objects is the
   * user's own and is left as it is: `holdsState` (its state object was read) says so with no request.
   */
  async ensureBucket(region: string, known?: { exists: true; holdsState: true } | { exists: true; versioned: Promise<boolean> } | { exists: false }): Promise<StateBucketSetup> {
    if (known && 'holdsState' in known) return 'ready';
    if (known?.exists ?? (await this.bucketExists())) {
      if ((await (known?.exists ? known.versioned : this.versioningEnabled())) || !(await this.isEmpty())) return 'ready';
      await this.configureBucket(false);
      return 'completed';
    }
    const Bucket = this.bucket;
    try {
      await this.s3.send(new CreateBucketCommand({
        Bucket,
        ObjectOwnership: 'BucketOwnerEnforced',
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }));
    } catch (error) {
      // Another run may have created it a moment ago: then it is checked as an existing bucket.
      if (errorName(error) === 'BucketAlreadyOwnedByYou') return this.ensureBucket(region);
      if (errorName(error) === 'BucketAlreadyExists') {
        throw new UserError(`state bucket name ${Bucket} is taken by another account; set "state": {"bucket": "<a unique name>"} in the config`);
      }
      throw error;
    }
    await this.configureBucket(true);
    return 'created';
  }

  private async isEmpty(): Promise<boolean> {
    return ((await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 }))).KeyCount ?? 0) === 0;
  }

  private async versioningEnabled(): Promise<boolean> {
    return (await this.s3.send(new GetBucketVersioningCommand({ Bucket: this.bucket }))).Status === 'Enabled';
  }

  /** Applies the state bucket's settings; unless `fresh`, only those not configured at all (a user may have set their own). Versioning last. */
  private async configureBucket(fresh: boolean): Promise<void> {
    const Bucket = this.bucket;
    const configured = async (read: () => Promise<boolean>, notConfigured: string): Promise<boolean> => {
      if (fresh) return false;
      try {
        return await read();
      } catch (error) {
        if (errorName(error) === notConfigured) return false;
        throw error;
      }
    };
    const answers = (call: () => Promise<unknown>) => async () => {
      await call();
      return true;
    };
    // The four settings at once, as Terraform's aws_s3_bucket_* resources go; S3 may answer
    // OperationAborted to concurrent changes of one bucket, which not-yet.ts waits out.
    await Promise.all([
      (async () => {
        if (await configured(answers(() => this.s3.send(new GetPublicAccessBlockCommand({ Bucket }))), 'NoSuchPublicAccessBlockConfiguration')) return;
        await this.s3.send(new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
        }));
      })(),
      (async () => {
        if (await configured(answers(() => this.s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))), 'OwnershipControlsNotFoundError')) return;
        await this.s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
      })(),
      (async () => {
        if (await configured(answers(() => this.s3.send(new GetBucketEncryptionCommand({ Bucket }))), 'ServerSideEncryptionConfigurationNotFoundError')) return;
        await this.s3.send(new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
        }));
      })(),
      (async () => {
        // PutBucketTagging replaces the whole set, so tags are written only where there are none.
        const tagged = async () => ((await this.s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet ?? []).length > 0;
        if (await configured(tagged, 'NoSuchTagSet')) return;
        await this.s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: Object.entries(this.tags).map(([Key, Value]) => ({ Key, Value })) } }));
      })(),
    ]);
    // Last, once everything else is set: versioning marks a finished setup.
    await this.s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }

  /** The state, or undefined when there is none yet (no object, or no bucket at all). */
  async read(project: string): Promise<LoadedState | undefined> {
    return (await this.getState(project)).loaded;
  }

  private early: Promise<{ bucketExists: boolean; loaded: LoadedState | undefined }> | undefined;

  /**
   * Starts the unlocked read early (alongside the preflight checks); the next readWithBucket
   * returns it. `read`, which runs under the lock, always reads afresh.
   */
  prefetch(project: string): void {
    if (this.early) return;
    this.early = this.getState(project);
    this.early.catch(() => undefined); // raised by the readWithBucket that takes it
  }

  /**
   * The state and whether the bucket exists, from one GetObject: S3 tells a missing bucket
   * (NoSuchBucket) from a missing object (NoSuchKey), so no HeadBucket has to go first.
   */
  readWithBucket(project: string): Promise<{ bucketExists: boolean; loaded: LoadedState | undefined }> {
    const early = this.early;
    this.early = undefined;
    return early ?? this.getState(project);
  }

  private async getState(project: string): Promise<{ bucketExists: boolean; loaded: LoadedState | undefined }> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      const body = (await response.Body?.transformToString('utf8')) ?? '';
      return { bucketExists: true, loaded: { document: parseState(body, this.location, project), etag: response.ETag } };
    } catch (error) {
      if (errorName(error) === 'NoSuchBucket') return { bucketExists: false, loaded: undefined };
      if (isMissing(error)) return { bucketExists: true, loaded: undefined };
      if (httpStatus(error) === 403) throw this.foreignBucket();
      throw error;
    }
  }

  /** Starts the read of what ensureBucket checks on an existing bucket, e.g. while a plan runs. */
  prefetchVersioning(): Promise<boolean> {
    const read = this.versioningEnabled();
    read.catch(() => undefined); // awaited (and its error raised) by ensureBucket
    return read;
  }

  /** Writes only over the version that was read (IfMatch), or only when none exists (IfNoneMatch). */
  async write(document: StateDocument, etag: string | undefined): Promise<string> {
    try {
      const response = await this.s3.send(new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key,
        Body: `${JSON.stringify(document, null, 2)}\n`,
        ContentType: 'application/json',
        ...(etag ? { IfMatch: etag } : { IfNoneMatch: '*' }),
      }));
      if (!response.ETag) throw new Error(`writing state ${this.location}: S3 returned no ETag`);
      return response.ETag;
    } catch (error) {
      if (isPreconditionFailed(error)) {
        throw new UserError(`state ${this.location} was changed by someone else during this run (ETag mismatch); nothing was overwritten: check who else runs resume-infra, then run the command again`);
      }
      throw error;
    }
  }

  async delete(): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key }));
  }

  async readLock(): Promise<LockInfo | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.lockKey }));
      const body = (await response.Body?.transformToString('utf8')) ?? '{}';
      return JSON.parse(body) as LockInfo;
    } catch (error) {
      if (isMissing(error)) return undefined;
      if (httpStatus(error) === 403) throw this.foreignBucket();
      throw error;
    }
  }

  /**
   * Takes the lock or fails at once naming its holder. Commands that need a deployed stack call
   * this without checking the bucket first: a missing state bucket fails the PutObject itself and
   * is reported as "not deployed" (one request fewer than a HeadBucket before it).
   */
  async acquireLock(command: string): Promise<HeldLock> {
    const lock: LockInfo = { id: randomUUID(), who: `${userInfo().username}@${hostname()}`, command, createdAt: new Date().toISOString(), pid: process.pid };
    try {
      const response = await this.s3.send(new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.lockKey,
        Body: JSON.stringify(lock),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }));
      // S3 always answers a PutObject with an ETag; without one the lock could not be released.
      if (!response.ETag) throw new Error(`taking the lock ${this.bucket}/${this.lockKey}: S3 returned no ETag`);
      return { ...lock, etag: response.ETag };
    } catch (error) {
      if (errorName(error) === 'NoSuchBucket') {
        throw new NotDeployedError(`${this.project} is not deployed (no state bucket ${this.bucket}); run \`${this.hint('up')}\` first`);
      }
      if (httpStatus(error) === 403) throw this.foreignBucket();
      if (!isPreconditionFailed(error)) throw error;
      const holder = await this.readLock();
      if (!holder) throw new LockedError(`state ${this.location} was locked and released while this run started; run the command again`);
      throw this.lockedBy(holder);
    }
  }

  /** The error for a lock held by another run, with the command that removes a stale one. */
  lockedBy(holder: LockInfo): LockedError {
    return new LockedError(
      `state ${this.location} is locked by ${holder.who} running \`${holder.command}\` since ${holder.createdAt} (lock id ${holder.id}); wait for it to finish, or if no run is active, run \`${this.hint('unlock', holder.id)}\``,
    );
  }

  /**
   * Releases our own lock and leaves another run's alone, in one request: a DeleteObject that
   * S3 carries out only while the lock object still has the ETag our PutObject got. A lock that
   * was force-unlocked and taken by another run fails the condition (412); one already gone is a
   * 404.
   */
  async releaseLock(lock: HeldLock): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.lockKey, IfMatch: lock.etag }));
    } catch (error) {
      if (isPreconditionFailed(error) || isMissing(error)) return;
      throw error;
    }
  }

  /** Removes a stale lock after checking that its id is the one given. */
  async forceUnlock(id: string): Promise<LockInfo> {
    const current = await this.readLock();
    if (!current) throw new UserError(`state ${this.location} is not locked; there is nothing to unlock`);
    if (current.id !== id) {
      throw new UserError(`lock id "${id}" does not match the lock on ${this.location} (held by ${current.who} running \`${current.command}\`, id ${current.id}); pass that id to unlock`);
    }
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.lockKey }));
    return current;
  }
}
