// The one way a resource module says "not found is fine here" (Alchemy's `ignore`, the Terraform
// provider's `tfresource.NotFound`): on delete, gone already is success; in a finder, gone is undefined.
import { errorName } from '../errors.ts';

/** Runs `call`; an error whose SDK name is one of `names` means the thing does not exist, and gives undefined. */
export async function ignoreNotFound<T>(names: string | readonly string[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const name = errorName(error);
    if (name !== undefined && (typeof names === 'string' ? name === names : names.includes(name))) return undefined;
    throw error;
  }
}
