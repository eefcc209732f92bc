// Files the tool writes into the upload at deploy time; nothing generated is committed.
// The page fetches `/config.json` to learn the counter's API URL. The body is a fixed
// serialisation of its input, so an unchanged API URL gives the same MD5 and no upload.
import { GENERATED_CONFIG_KEY } from './scan.ts';

export interface GeneratedFile {
  key: string;
  body: Buffer;
}

/** `config.json` with the API URL, or an empty string when there is no API yet. */
export function siteConfigJson(apiUrl: string | undefined): GeneratedFile & { key: typeof GENERATED_CONFIG_KEY } {
  return { key: GENERATED_CONFIG_KEY, body: Buffer.from(`${JSON.stringify({ apiUrl: apiUrl ?? '' }, null, 2)}\n`) };
}
