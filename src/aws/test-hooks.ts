// Fault injection used by the crash-safety and throttling tests. Inert unless one of the
// RESUME_INFRA_TEST_* variables is set; nothing else in the tool reads them.
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';
import type { CallLogEntry } from './call-log.ts';
import { addQuirks } from './quirks.ts';

let mutationsSeen = 0;

/** The line a run under RESUME_INFRA_TEST_CRASH_AFTER_MUTATION prints when it ends without being killed. */
export const NOT_KILLED_PREFIX = 'resume-infra test hook: not killed; mutating calls made: ';

function crashAfterMutation(): number | undefined {
  const raw = process.env.RESUME_INFRA_TEST_CRASH_AFTER_MUTATION;
  return raw ? Number(raw) : undefined;
}

function throttleRate(): number {
  const raw = process.env.RESUME_INFRA_TEST_THROTTLE_RATE;
  return raw ? Number(raw) : 0;
}

class InjectedThrottlingError extends Error {
  override name = 'ThrottlingException';
  readonly $metadata = { httpStatusCode: 400 };
  readonly $retryable = { throttling: true };
  readonly $fault = 'client';
}

/** One AWS call with its input, as the deploy-role policy test needs it (action, resource, conditions). */
export interface RecordedCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

/** Inputs that carry content or secrets, never kept. */
const UNRECORDED_FIELDS = new Set(['Body', 'ZipFile', 'Value', 'Code']);

/** Calls recorded while RESUME_INFRA_TEST_RECORD_CALLS is set (in memory, this process only). */
export const recordedCalls: RecordedCall[] = [];

export const testHooks = {
  /** Keeps each call's identifying input for the deploy-role policy test; inert unless asked for. */
  recordCall(service: string, operation: string, input: unknown): void {
    if (!process.env.RESUME_INFRA_TEST_RECORD_CALLS || typeof input !== 'object' || input === null) return;
    const kept = Object.fromEntries(Object.entries(input).filter(([field]) => !UNRECORDED_FIELDS.has(field)));
    recordedCalls.push({ service, operation, input: kept });
  },

  /**
   * SIGKILL right after the k-th mutating call has been answered (successfully or not, as the call
   * log counts them), before the tool does anything else.
   */
  afterCall(entry: CallLogEntry): void {
    const limit = crashAfterMutation();
    if (limit === undefined || !entry.mutating) return;
    mutationsSeen += 1;
    if (mutationsSeen === 1) {
      // A run's count varies by a few with timing (state writes made together are coalesced),
      // so a run can finish before the k-th; it says how many it made, for the test to check.
      process.on('exit', () => process.stderr.write(`${NOT_KILLED_PREFIX}${mutationsSeen}\n`));
    }
    if (mutationsSeen === limit) process.kill(process.pid, 'SIGKILL');
  },

  /** Throttles a share of attempts inside the retry loop, the way AWS would under load. */
  instrument(stack: MiddlewareStack<object, MetadataBearer>): void {
    // AWS's "not yet" answers (quirks.ts); inert unless RESUME_INFRA_TEST_QUIRKS is set.
    addQuirks(stack);
    if (throttleRate() <= 0) return;
    stack.add(
      (next) => async (args) => {
        if (Math.random() < throttleRate()) throw new InjectedThrottlingError('Rate exceeded (injected by RESUME_INFRA_TEST_THROTTLE_RATE)');
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'resumeInfraInjectThrottling' },
    );
  },
};
