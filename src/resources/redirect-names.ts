// The names that redirect to the domain (`redirectFrom`): the certificate covers them, the
// distribution aliases them and Route 53 points them at it. Not a resource.
import type { ResourceContext } from '../engine/types.ts';
import { UserError } from '../errors.ts';
import { findHostedZone, requireHostedZone } from './hosted-zone.ts';

/**
 * `redirectFrom` when the config sets it; otherwise `www.<domain>` when the domain is the apex of
 * its hosted zone (a subdomain's `www.` is rarely typed), else none. None without a domain.
 */
export async function redirectNames(ctx: ResourceContext): Promise<string[]> {
  const { domain, redirectFrom } = ctx.config;
  if (!domain) return [];
  if (redirectFrom) return [...redirectFrom];
  const zone = await findHostedZone(ctx);
  return zone?.name === domain ? [`www.${domain}`] : [];
}

/** Every name the site answers to: the domain first, then the redirect names sorted. */
export function siteNames(domain: string, redirect: readonly string[]): string[] {
  return [domain, ...[...redirect].sort()];
}

/** The domain and its redirect names, or none without a domain. */
export async function allSiteNames(ctx: ResourceContext): Promise<string[]> {
  return ctx.config.domain ? siteNames(ctx.config.domain, await redirectNames(ctx)) : [];
}

/** A read-only precondition: Route 53 can hold a redirect name's alias records only in the domain's zone. */
export async function checkRedirectNames(ctx: ResourceContext): Promise<void> {
  const zone = await requireHostedZone(ctx);
  const outside = (await redirectNames(ctx)).filter((name) => name !== zone.name && !name.endsWith(`.${zone.name}`));
  if (outside.length === 0) return;
  const listed = outside.map((name) => `"${name}"`).join(', ');
  throw new UserError(`redirectFrom ${listed} ${outside.length === 1 ? 'is' : 'are'} not inside the hosted zone ${zone.name} (${zone.id}) of domain "${ctx.config.domain ?? ''}"; Route 53 needs their alias records there, so use names ending in .${zone.name}`);
}
