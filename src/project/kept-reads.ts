// The reads a run keeps while it writes nothing (`plan`; `up` until it takes the lock; `destroy`
// while it looks for what to delete): one answer per thing read, shared by every resource that
// reads it, instead of one request each. Released before the first write, so that everything read
// from then on is read afresh.
import type { Aws } from '../aws/clients.ts';
import { keepStageReads, releaseStageReads } from '../edge/function-api.ts';
import { keepRecordListings, releaseRecordListings } from '../resources/hosted-zone.ts';

/** From now on, a CloudFront Function's stage and a hosted zone's records are each read once. */
export function keepReads(aws: Aws): void {
  keepStageReads(aws);
  keepRecordListings(aws);
}

/** Ends keepReads: each later read is made again. */
export function releaseReads(aws: Aws): void {
  releaseStageReads(aws);
  releaseRecordListings(aws);
}
