// The config file's schema, its defaults, and every name derived from it. Validated before any AWS call.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import * as z from 'zod';
import './zod-setup.ts';
import { UserError } from './errors.ts';
import { CSP_DIRECTIVES, cspSourceProblem, type HeadersSettings } from './edge/security-headers.ts';
import { DEFAULT_INVALIDATION_THRESHOLD, MAX_INVALIDATION_PATHS } from './site/invalidation-paths.ts';

export const TAG_KEY = 'resume-infra:project';

const PROJECT_PATTERN = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const REGION_PATTERN = /^(us|eu|ap|sa|ca|me|af|il|mx)(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-\d$/;
const HOSTNAME_PATTERN = /^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/;
/**
 * A Route 53 hosted zone id, as the console and the CLI show it (`Z0123…`): uppercase letters and
 * digits, at most 32 (the API's limit), no dot, so never a zone name. AWS's start with Z; the
 * API promises no prefix, and the emulator's do not have one.
 */
export const ZONE_ID_PATTERN = /^[A-Z0-9]{1,32}$/;
const BUCKET_PATTERN = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ORIGIN_PATTERN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
// The values CloudWatch Logs accepts for retentionInDays.
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/** Site releases kept by default, and the fewest allowed: the live one and the one before it. */
export const DEFAULT_KEEP_RELEASES = 5;
const MIN_KEEP_RELEASES = 2;
const PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
/** ACM's default quota is 10 names per certificate, and the certificate also covers `domain`. */
export const MAX_REDIRECT_NAMES = 9;

const schema = z.strictObject({
  $schema: z.string().optional(),
  project: z.string({ error: 'is required: a name like "jane-resume"' }).regex(PROJECT_PATTERN, {
    error: 'must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  }),
  region: z.string().regex(REGION_PATTERN, { error: 'is not an AWS region name (use one like "eu-west-1")' }).optional(),
  domain: z.string().regex(HOSTNAME_PATTERN, { error: 'is not a lowercase domain name like "resume.example.com"' }).optional(),
  redirectFrom: z
    .array(z.string().regex(HOSTNAME_PATTERN, { error: 'is not a lowercase host name like "www.example.com"' }))
    .max(MAX_REDIRECT_NAMES, { error: `lists more than ${MAX_REDIRECT_NAMES} names (the certificate also covers domain, and ACM allows 10 names by default); remove some` })
    .optional(),
  hostedZone: z
    .string()
    .refine((zone) => HOSTNAME_PATTERN.test(zone) || ZONE_ID_PATTERN.test(zone), { error: 'is neither a lowercase zone name like "example.com" nor a zone id like "Z0123456789ABCDEFGHIJ"' })
    .optional(),
  siteDir: z.string().min(1, { error: 'must be a directory path like "site"' }).optional(),
  state: z
    .strictObject({
      bucket: z.string().regex(BUCKET_PATTERN, { error: 'is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)' }).optional(),
      key: z.string().regex(/^[^/].{0,900}[^/]$/, { error: 'must be an S3 key like "resume-infra/state.json" that does not start or end with "/"' }).optional(),
    })
    .optional(),
  counter: z
    .strictObject({
      allowedOrigins: z.array(z.string().regex(ORIGIN_PATTERN, { error: 'must be an origin like "https://resume.example.com" (scheme and host, no path)' })).optional(),
      uniqueWindowHours: z.number().int({ error: 'must be a whole number of hours' }).min(1, { error: 'must be at least 1' }).max(8760, { error: 'must be at most 8760 (a year)' }).optional(),
      rateLimit: z.number().positive({ error: 'must be a positive number of requests per second' }).max(10000, { error: 'must be at most 10000' }).optional(),
      burstLimit: z.number().int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(5000, { error: 'must be at most 5000' }).optional(),
      logRetentionDays: z
        .number()
        .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` })
        .optional(),
      stageName: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, { error: 'must be letters, digits or underscores, like "prod"' }).optional(),
    })
    .optional(),
  cdn: z
    .strictObject({
      priceClass: z.enum(PRICE_CLASSES, { error: `must be one of ${PRICE_CLASSES.join(', ')}` }).optional(),
      // No effect since deploys are releases (no invalidation); accepted so that configs written before still load.
      invalidationThreshold: z.number().int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(MAX_INVALIDATION_PATHS, { error: `must be at most ${MAX_INVALIDATION_PATHS}` }).optional(),
    })
    .optional(),
  headers: z
    .strictObject({
      csp: z.record(z.string(), z.array(z.string(), { error: 'must be a list of sources like ["https://analytics.example.com"]' })).optional(),
      allowUnsafe: z.boolean().optional(),
      hstsPreload: z.boolean().optional(),
    })
    .superRefine((headers, ctx) => {
      for (const [directive, sources] of Object.entries(headers.csp ?? {})) {
        if (!CSP_DIRECTIVES.includes(directive)) {
          ctx.addIssue({ code: 'custom', path: ['csp', directive], message: `is not a CSP directive the policy can extend; known: ${CSP_DIRECTIVES.join(', ')}` });
          continue;
        }
        sources.forEach((source, index) => {
          const problem = cspSourceProblem(source, headers.allowUnsafe === true);
          if (problem) ctx.addIssue({ code: 'custom', path: ['csp', directive, index], message: problem });
        });
      }
    })
    .optional(),
  site: z
    .strictObject({
      keepReleases: z.number().int({ error: 'must be a whole number of releases' }).min(MIN_KEEP_RELEASES, { error: `must be at least ${MIN_KEEP_RELEASES} (the live release and the one before it are always kept)` }).max(1000, { error: 'must be at most 1000' }).optional(),
    })
    .optional(),
  cacheControl: z.record(z.string().min(1), z.string().min(1, { error: 'must be a Cache-Control value like "max-age=3600"' })).optional(),
  tags: z
    .record(
      z.string().regex(/^(?!aws:)(?!resume-infra:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, { error: 'is not a valid tag key (1-128 characters, not starting with "aws:" or "resume-infra:")' }),
      z.string().regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u, { error: 'is not a valid tag value (at most 256 letters, digits, spaces and _.:/=+-@)' }),
    )
    .optional(),
});

export type ConfigFile = z.infer<typeof schema>;

/** The config with every default applied. */
export interface Config {
  project: string;
  region?: string;
  domain?: string;
  /** The names that redirect to `domain`; undefined = the default (see src/resources/redirect-names.ts). */
  redirectFrom?: string[];
  hostedZone?: string;
  siteDir: string;
  state: { bucket?: string; key: string };
  counter: {
    allowedOrigins: string[];
    uniqueWindowHours: number;
    rateLimit: number;
    burstLimit: number;
    logRetentionDays: number;
    stageName: string;
  };
  cdn: { priceClass: (typeof PRICE_CLASSES)[number]; invalidationThreshold: number };
  site: { keepReleases: number };
  /** The security headers' settings (src/edge/security-headers.ts builds the headers). */
  headers: HeadersSettings;
  cacheControl: Record<string, string>;
  tags: Record<string, string>;
  /** The directory the config file sits in; relative paths resolve against it. */
  baseDir: string;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The keys the schema allows at `path` ("" for the top level, "counter" inside counter). */
function knownKeys(path: string): string[] {
  const top = schema.shape;
  if (path === '') return Object.keys(top);
  const nested = { state: top.state, counter: top.counter, cdn: top.cdn, site: top.site, headers: top.headers }[path];
  return nested ? Object.keys(nested.unwrap().shape) : [];
}

/** The known key nearest to a misspelt one, if it is near enough to be what was meant. */
export function nearestKey(unknownKey: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(unknownKey.toLowerCase(), [...known]);
  return distance(unknownKey.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function describeIssue(input: unknown, issue: z.core.$ZodIssue): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = key ? ` in "${key}"` : '';
    return issue.keys.map((unknownKey) => {
      const suggestion = nearestKey(unknownKey, knownKeys(key));
      return `unknown key "${unknownKey}"${where} (${suggestion ? `did you mean "${suggestion}"?` : `remove it; known keys: ${knownKeys(key).filter((known) => known !== '$schema').join(', ')}`})`;
    }).join('; ');
  }
  const value = valueAt(input, issue.path);
  if (value === undefined) return `${key} ${issue.message.startsWith('is required') ? issue.message : 'is required'}`;
  const shown = JSON.stringify(value);
  const message = issue.code === 'invalid_type' ? `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}` : issue.message;
  return `${key} ${shown} ${message}`;
}

/** redirectFrom needs a domain to redirect to, and names neither the domain itself nor one name twice. */
function checkRedirectFrom(file: ConfigFile, source: string): void {
  const names = file.redirectFrom;
  if (!names) return;
  if (!file.domain) throw new UserError(`${source}: redirectFrom ${JSON.stringify(names)} is set without a domain; add "domain" (the name they redirect to) or remove "redirectFrom"`);
  if (names.includes(file.domain)) throw new UserError(`${source}: redirectFrom lists "${file.domain}", which is the domain itself; remove it from redirectFrom`);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw new UserError(`${source}: redirectFrom lists "${twice}" twice; remove one`);
}

/** Validates a parsed config file. Every problem is reported at once, by key, on one line. */
export function parseConfig(input: unknown, source: string, baseDir: string): Config {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const kind = Array.isArray(input) ? 'an array' : input === null ? 'null' : `a ${typeof input}`;
    throw new UserError(`${source} holds ${kind}, not a JSON object; write an object like {"project": "jane-resume"}`);
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(input, issue));
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new UserError(`${source} has ${count}: ${problems.map((problem, index) => (problems.length > 1 ? `(${index + 1}) ${problem}` : problem)).join('; ')}`);
  }
  const file = result.data;
  if (file.hostedZone && !file.domain) throw new UserError(`${source}: hostedZone "${file.hostedZone}" is set without a domain; add "domain" or remove "hostedZone"`);
  // A zone given by id is checked against the domain once its name is known (in the zone lookup).
  const zoneName = file.hostedZone && !ZONE_ID_PATTERN.test(file.hostedZone) ? file.hostedZone : undefined;
  if (file.domain && zoneName && file.domain !== zoneName && !file.domain.endsWith(`.${zoneName}`)) {
    throw new UserError(`${source}: domain "${file.domain}" is not inside hostedZone "${file.hostedZone}"; use a zone the domain ends with`);
  }
  checkRedirectFrom(file, source);
  const counter = file.counter ?? {};
  const rateLimit = counter.rateLimit ?? 10;
  const burstLimit = counter.burstLimit ?? 20;
  return {
    project: file.project,
    region: file.region,
    domain: file.domain,
    ...(file.redirectFrom ? { redirectFrom: file.redirectFrom } : {}),
    hostedZone: file.hostedZone,
    siteDir: resolve(baseDir, file.siteDir ?? 'site'),
    state: { bucket: file.state?.bucket, key: file.state?.key ?? `${file.project}/state.json` },
    counter: {
      allowedOrigins: counter.allowedOrigins ?? [],
      uniqueWindowHours: counter.uniqueWindowHours ?? 24,
      rateLimit,
      burstLimit,
      logRetentionDays: counter.logRetentionDays ?? 14,
      stageName: counter.stageName ?? 'prod',
    },
    cdn: { priceClass: file.cdn?.priceClass ?? 'PriceClass_100', invalidationThreshold: file.cdn?.invalidationThreshold ?? DEFAULT_INVALIDATION_THRESHOLD },
    site: { keepReleases: file.site?.keepReleases ?? DEFAULT_KEEP_RELEASES },
    headers: { csp: file.headers?.csp ?? {}, allowUnsafe: file.headers?.allowUnsafe ?? false, hstsPreload: file.headers?.hstsPreload ?? false },
    cacheControl: file.cacheControl ?? {},
    tags: file.tags ?? {},
    baseDir,
  };
}

export async function loadConfig(path: string): Promise<Config> {
  const fullPath = resolve(path);
  let text: string;
  try {
    text = await readFile(fullPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`config file ${path} not found; create it with at least {"project": "your-name-resume"} or pass -c <file>`);
    }
    throw new UserError(`cannot read config file ${path} (${code ?? 'error'}); check its permissions`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`config file ${path} is not valid JSON (${(error as Error).message}); fix the syntax`);
  }
  return parseConfig(parsed, path, resolve(fullPath, '..'));
}

/** Every AWS name the tool uses, derived in one place so a lost state never leads to a duplicate. */
export interface Names {
  project: string;
  account: string;
  region: string;
  table: string;
  secretParameter: string;
  role: string;
  rolePolicy: string;
  function: string;
  logGroup: string;
  api: string;
  siteBucket: string;
  oac: string;
  /** The viewer-request CloudFront Function. */
  edgeFunction: string;
  stateBucket: string;
  stateKey: string;
  lockKey: string;
  deployRole: string;
  deployRolePolicy: string;
}

export function deriveNames(config: Config, account: string, region: string): Names {
  const p = config.project;
  const fn = `${p}-counter`;
  const stateKey = config.state.key;
  return {
    project: p,
    account,
    region,
    table: `${p}-counter`,
    secretParameter: `/resume-infra/${p}/ip-hash-secret`,
    role: `${p}-counter-role`,
    rolePolicy: `${p}-counter-policy`,
    function: fn,
    logGroup: `/aws/lambda/${fn}`,
    api: `${p}-api`,
    siteBucket: `${p}-site-${account}`,
    oac: `${p}-oac`,
    edgeFunction: `${p}-edge`,
    stateBucket: config.state.bucket ?? `resume-infra-state-${account}-${region}`,
    stateKey,
    lockKey: `${stateKey}.lock`,
    deployRole: `${p}-github-deploy`,
    deployRolePolicy: `${p}-github-deploy-policy`,
  };
}

/** The tags every resource carries: the project tag first, then the user's own. */
export function projectTags(config: Config): Record<string, string> {
  return { [TAG_KEY]: config.project, ...config.tags };
}
