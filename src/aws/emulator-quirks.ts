// Where the local emulator (moto_server 5.2.1) answers differently from AWS and the tool must
// still work on both. Each workaround is one named function here, commented with the emulator
// behaviour it covers, so that resource modules keep the AWS-correct behaviour and say by name
// which quirk they tolerate. Nothing here branches on "are we on the emulator": each function is
// also right for AWS.
import { errorName, httpStatus } from '../errors.ts';

/**
 * ACM RequestCertificate with the IdempotencyToken of a certificate deleted since: AWS returns
 * that certificate's ARN (DescribeCertificate then says ResourceNotFoundException); moto answers
 * a 500. Either way the caller moves on to the next token of its chain.
 */
export function isDeletedCertificateTokenAnswer(error: unknown): boolean {
  return (httpStatus(error) ?? 0) >= 500;
}

/**
 * CloudFront distribution reads: moto drops OriginAccessControlId (and S3OriginConfig) from what
 * it returns. AWS always reports the id ('' when none), so only its absence means "not
 * reported" and must not read as drift.
 */
export function originAccessControlIdUnreported(reported: string | undefined): boolean {
  return reported === undefined;
}

/**
 * CloudFront ListDistributions: AWS lists each distribution's origins, which lets a finder skip
 * distributions of other sites without reading their tags; moto's summaries have no origins, so
 * then every distribution must be checked.
 */
export function mayBeOurDistribution(listedOrigins: ReadonlyArray<{ DomainName?: string }> | undefined, originPrefix: string): boolean {
  return !listedOrigins || listedOrigins.some((origin) => origin.DomainName?.startsWith(originPrefix) === true);
}

/**
 * CloudFront origin access controls: AWS keeps names unique, moto does not. With several of one
 * name, the lowest id wins, the same one on every run.
 */
export function oneOfSameNamedOacs(ids: readonly string[]): string | undefined {
  return [...ids].sort()[0];
}

/**
 * Route 53 DELETE of a record that someone else deleted in between: AWS says
 * InvalidChangeBatch, moto InvalidInput; a zone deleted meanwhile says NoSuchHostedZone.
 */
export function isRecordAlreadyGone(error: unknown): boolean {
  const name = errorName(error);
  return name === 'InvalidChangeBatch' || name === 'InvalidInput' || name === 'NoSuchHostedZone';
}

/**
 * CloudFront invalidation status: AWS reports `Completed`, moto `COMPLETED` (so the SDK's
 * waitUntilInvalidationCompleted, which matches exactly, never finishes there).
 */
export function isInvalidationCompleted(status: string): boolean {
  return status.toLowerCase() === 'completed';
}
