/**
 * An expected problem: bad input, a missing prerequisite, a held lock. The CLI prints its
 * message as one line and exits 1. Messages are lowercase, name the bad value and say what to do.
 * Anything that is not a UserError is a bug and is printed with its stack.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The state lock is held by another run. */
export class LockedError extends UserError {
  override name = 'LockedError';
}

/** The project's state bucket does not exist: nothing was deployed (or it was deleted by hand). */
export class NotDeployedError extends UserError {
  override name = 'NotDeployedError';
}

/** Describes an unknown thrown value for one-line messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

/** The SDK's error name, or undefined for non-SDK errors. Finders match on this, never on message text. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function httpStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && '$metadata' in error) {
    const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
    return metadata?.httpStatusCode;
  }
  return undefined;
}
