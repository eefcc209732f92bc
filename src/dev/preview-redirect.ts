// The redirect the dev preview runs: the user's `domain` and `redirectFrom`, or the default, read
// from the config file alone (the preview has no hosted zone to look at). Used by `dev` and by
// `verify --url <preview>`, which must not load dev's watcher, bundler and emulator to get it.
import type { EdgeSettings } from '../edge/code.ts';

/** The redirect the user's config asks for; the preview's config has no domain to carry it. */
export type PreviewRedirect = Pick<EdgeSettings, 'domain' | 'redirectFrom'>;

/**
 * `redirectFrom` as the user wrote it, or its default: `www.<domain>` when the domain is its
 * zone's apex. The preview cannot look the zone up (no DNS), so it takes the zone's name from
 * `hostedZone` when given by name, and otherwise calls a domain of two labels an apex.
 */
export function previewRedirect(config: Record<string, unknown>): PreviewRedirect {
  const domain = typeof config.domain === 'string' ? config.domain.toLowerCase() : null;
  if (!domain) return { domain: null, redirectFrom: [] };
  if (Array.isArray(config.redirectFrom)) return { domain, redirectFrom: config.redirectFrom.filter((name) => typeof name === 'string').map((name) => name.toLowerCase()) };
  const zone = typeof config.hostedZone === 'string' && config.hostedZone.includes('.') ? config.hostedZone.toLowerCase() : undefined;
  const apex = zone ? domain === zone : domain.split('.').length === 2;
  return { domain, redirectFrom: apex ? [`www.${domain}`] : [] };
}
