// The stack, in dependency order. Adding a resource kind means adding its module here.
import type { Resource } from '../engine/types.ts';
import { api } from './api.ts';
import { bucketPolicy } from './bucket-policy.ts';
import { certificate } from './certificate.ts';
import { distribution } from './distribution.ts';
import { edgeFunction } from './edge-function.ts';
import { dnsRecords } from './dns-records.ts';
import { apiPermission } from './api-permission.ts';
import { counterFunction } from './function.ts';
import { logGroup } from './log-group.ts';
import { headersPolicy } from './headers-policy.ts';
import { oac } from './oac.ts';
import { restApi } from './rest-api.ts';
import { role } from './role.ts';
import { secret } from './secret.ts';
import { siteBucket } from './site-bucket.ts';
import { table } from './table.ts';

export const stack: readonly Resource[] = [table, secret, role, logGroup, siteBucket, oac, edgeFunction, restApi, headersPolicy, certificate, distribution, bucketPolicy, dnsRecords, counterFunction, api, apiPermission];
