import type { Aws } from '../aws/clients.ts';
import type { Config, Names } from '../config.ts';
import type { RecordedResource } from '../state/document.ts';

/** One field that differs between what should exist and what does. */
export interface Change {
  field: string;
  from: unknown;
  to: unknown;
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
  create(ctx: ResourceContext, desired: Desired): Promise<Actual>;
  update(ctx: ResourceContext, desired: Desired, actual: Actual, changes: Change[]): Promise<Actual>;
  /** Idempotent: deleting what is already gone succeeds. */
  delete(ctx: ResourceContext, actual: Actual): Promise<void>;
}

export type Resource = ResourceKind<unknown, Observed>;

export const KNOWN_AFTER_APPLY = '(known after apply)';
