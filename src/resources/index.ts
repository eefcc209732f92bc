// The stack, in dependency order. Adding a resource kind means adding its module here.
import type { Resource } from '../engine/types.ts';
import { secret } from './secret.ts';
import { table } from './table.ts';

export const stack: readonly Resource[] = [table, secret];
