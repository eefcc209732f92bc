// Where the local emulator (moto_server 5.2.1) answers differently from AWS and the tool must
// still work on both. Each workaround is one named function here, so resource modules keep the
// AWS-correct behaviour and name the quirk they tolerate. See /docs and MOTO.md for the list.
import { httpStatus } from '../errors.ts';

/**
 * RequestCertificate with the IdempotencyToken of a certificate deleted since: AWS returns that
 * certificate's ARN (then DescribeCertificate says ResourceNotFoundException); moto answers 500.
 * Either way the caller moves to the next token.
 */
export function isDeletedCertificateTokenAnswer(error: unknown): boolean {
  return (httpStatus(error) ?? 0) >= 500;
}
