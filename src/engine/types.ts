import type { Aws } from '../aws/clients.ts';
import type { NotYetName } from '../aws/not-yet.ts';
import type { Config, Names } from '../config.ts';
import type { RecordedResource } from '../state/document.ts';

/** One field that differs between what should exist and what does. */
export interface Change {
  field: string;
  from: unknown;
  to: unknown;
  /** The field cannot change in place: `up` makes a new instance and then deletes this one. */
  replace?: boolean;
}

/**
 * What `create` returns: enough for `read` to find the new resource (Pulumi's `{id}`, Terraform's
 * `d.SetId`). The engine then reads it back and converges it, so modules never end with a read.
 */
export interface Identity {
  id: string;
  arn?: string;
  outputs?: Record<string, string>;
}

/** What `read`, `create` and `update` report: enough to find the resource again and feed its dependents. */
export interface Observed {
  id: string;
  arn?: string;
  outputs: Record<string, string>;
}

export type Mode = 'plan' | 'apply' | 'destroy';

export interface ResourceContext {
  config: Config;
  names: Names;
  aws: Aws;
  tags: Record<string, string>;
  mode: Mode;
  /** An output of a dependency. In `plan`, a placeholder when the dependency does not exist yet. */
  output(resource: string, key: string): string;
  /** A progress note for a long step, such as waiting for a certificate. */
  note(message: string): void;
}

/**
 * One kind of AWS resource, in the spirit of a Terraform provider resource. Methods are
 * declared as methods (not function properties) so a module's specific types fit the engine's
 * erased `Resource` type.
 */
export interface ResourceKind<Desired, Actual extends Observed> {
  /** Key in the state file and in `dependsOn`, e.g. `table`. */
  name: string;
  /** Human name, e.g. `DynamoDB table`. */
  title: string;
  /**
   * It holds data a replacement would lose (the table's counts, the secret's key): `up` refuses
   * to replace it unless run with `--allow-data-loss`.
   */
  holdsData?: boolean;
  /**
   * Its name is fixed, so a replacement cannot exist beside it: the old one is deleted first
   * (still recorded as retired until then). Default: create the new one, then delete the old.
   */
  replaceDeletesFirst?: boolean;
  /**
   * AWS's "not yet" answer (an entry of src/aws/not-yet.ts) that the engine's read right after a
   * create or update waits out, e.g. IAM's NoSuchEntity for a role made a moment ago.
   */
  readAfterWrite?: NotYetName;
  dependsOn: readonly string[];
  /** Whether the config asks for this resource (e.g. a certificate only with a domain). Default: always. */
  enabled?(config: Config): boolean;
  /** A name that identifies it for people: shown in plan and destroy listings. */
  label(ctx: ResourceContext, actual?: Actual): string;
  /**
   * Read-only preconditions checked for every enabled resource before anything is changed
   * (e.g. the hosted zone exists). Throw a UserError to stop the run with nothing made.
   */
  check?(ctx: ResourceContext): Promise<void>;
  desired(ctx: ResourceContext): Desired | Promise<Desired>;
  /** Describe it by the recorded id, else by deterministic name or tag; undefined when it does not exist. */
  read(ctx: ResourceContext, recorded: RecordedResource | undefined): Promise<Actual | undefined>;
  diff(desired: Desired, actual: Actual): Change[];
  /**
   * Makes it (or finds what a crashed run made) and returns its identity. The engine reads it
   * back and calls `update` until `diff` is empty. If create fails, nothing must be left behind
   * that `read` would not find.
   */
  create(ctx: ResourceContext, desired: Desired): Promise<Identity>;
  /** Changes it in place; the engine reads it again afterwards. Never given a `replace` change. */
  update(ctx: ResourceContext, desired: Desired, actual: Actual, changes: Change[]): Promise<void>;
  /** Idempotent: deleting what is already gone succeeds (see `ignoreNotFound`). */
  delete(ctx: ResourceContext, actual: Actual): Promise<void>;
  /**
   * Instances of this kind the project made that neither the state nor the config accounts for
   * (tagged for the project, or pointing at its resources), except those whose id is in `keep`.
   * `plan` lists them as orphans; `up` and `destroy` delete them. Never anything the project did
   * not make. `keep` is known once every resource was read: list first, then await it, so the
   * listing goes along with the reads.
   */
  orphans?(ctx: ResourceContext, keep: Promise<ReadonlySet<string>>, recorded: RecordedResource | undefined): Promise<Actual[]>;
}

export type Resource = ResourceKind<unknown, Observed>;

export const KNOWN_AFTER_APPLY = '(known after apply)';
