// The hex MD5 of a text or buffer, as the site scan and S3 ETags report it.
import { createHash } from 'node:crypto';

export const md5 = (text: string | Buffer): string => createHash('md5').update(text).digest('hex');
