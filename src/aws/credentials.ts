// One credential provider per run, shared by every client, behaving as the AWS CLI's: the SDK's
// default chain (env, SSO, web identity for GitHub OIDC, profiles, credential_process,
// container/instance metadata), asked once and cached until the credentials near expiry. A
// profile with `mfa_serial` asks for the code on the terminal; errors keep the SDK's own cause.
import { createInterface } from 'node:readline/promises';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { describeError, errorName, UserError } from '../errors.ts';

export interface CredentialOptions {
  profile?: string;
  /** Asks for an MFA code; the default reads it from the terminal, and fails without one. */
  askMfaCode?: (mfaSerial: string) => Promise<string>;
}

function profileName(profile: string | undefined): string {
  return profile ?? process.env.AWS_PROFILE ?? 'default';
}

async function askOnTerminal(profile: string, mfaSerial: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new UserError(`profile ${profile} needs an MFA code (mfa_serial ${mfaSerial}) and there is no terminal to ask for it; run the command in a terminal, or export temporary credentials (\`aws sts get-session-token --serial-number ${mfaSerial} --token-code <code>\`)`);
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(`MFA code for ${mfaSerial}: `)).trim();
  } finally {
    prompt.close();
  }
}

/** The run's credential provider. Every client gets this one object, so the chain runs once. */
export function credentialProvider(options: CredentialOptions = {}): AwsCredentialIdentityProvider {
  const profile = profileName(options.profile);
  const ask = options.askMfaCode ?? ((serial: string) => askOnTerminal(profile, serial));
  const chain = defaultProvider({ ...(options.profile ? { profile: options.profile } : {}), mfaCodeProvider: ask });
  return async (identityProperties) => {
    try {
      return await chain(identityProperties);
    } catch (error) {
      throw explainCredentialError(error, profile);
    }
  };
}

/** SDK credential errors as one line of advice, with the SDK's own message kept. */
export function explainCredentialError(error: unknown, profile: string): unknown {
  if (error instanceof UserError) return error;
  const cause = describeError(error);
  if (/sso/i.test(cause) && /expired|invalid|refresh/i.test(cause)) {
    return new UserError(`the AWS SSO session of profile ${profile} has expired; run \`aws sso login --profile ${profile}\` and try again (${cause})`, { cause: error });
  }
  if (errorName(error) === 'CredentialsProviderError' || errorName(error) === 'ProviderError') {
    return new UserError(`no usable AWS credentials for profile ${profile} (${cause}); set AWS_PROFILE (or pass --profile), run \`aws sso login --profile <p>\`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`, { cause: error });
  }
  return error;
}
