import { X509Certificate } from 'node:crypto';
import type { CheckContext, Context } from '../../core/types.js';
import { defineFactFamily } from '../../core/facts.js';
import type { HttpResponse } from '../../probes/types.js';
import { canonicalIp, ipFamily, normaliseHostname } from '../../util/ip.js';
import { addressesOf } from '../dns/lookups.js';
import { reachableHostAddresses } from './outbound-ips.js';

/** postal.web_hostname as a URL host (IPv6 literals in brackets). */
export function webHostname(ctx: Context): string {
  return normaliseHostname(ctx.config.get('postal.web_hostname'));
}

/** A GET of `url` connected to `address`: the same request is asked once per run. */
export const webGet = defineFactFamily({
  name: 'web interface requests',
  probes: ['http'],
  key: (url: string, address: string) => `${url} ${address}`,
  compute: (ctx, url: string, address: string): Promise<HttpResponse> => ctx.probes.http.get({ url, address, timeoutMs: ctx.options.timeoutMs }),
});

/**
 * The addresses the web interface is tried at: those of this host that web_hostname resolves to, as browsers
 * reach it; when it points nowhere here (dns.web-hostname judges that), the host's first reachable IPv4 and IPv6
 * address, where it would point. Never every address of a host that binds a whole sending pool.
 */
export async function webAddresses(ctx: CheckContext): Promise<string[]> {
  const [host, published] = await Promise.all([reachableHostAddresses(ctx), addressesOf(ctx, webHostname(ctx))]);
  const pointedHere = [...new Set(published.addresses.map(canonicalIp))].filter((ip) => host.includes(ip));
  if (pointedHere.length > 0) return pointedHere;
  return [host.find((ip) => ipFamily(ip) === 4), host.find((ip) => ipFamily(ip) === 6)].filter((ip): ip is string => ip !== undefined);
}

/** The certificates of a response's chain, leaf first; those that do not parse are left out. */
export function chainOf(response: HttpResponse): X509Certificate[] {
  return (response.tls?.chainPem ?? []).flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
}
