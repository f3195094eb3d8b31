import { X509Certificate } from 'node:crypto';
import type { Context } from '../../core/types.js';
import { defineFactFamily } from '../../core/facts.js';
import type { HttpResponse } from '../../probes/types.js';
import { normaliseHostname } from '../../util/ip.js';
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
 * The addresses the web interface is tried at: the host's own reachable addresses, as clients reach it when
 * web_hostname points here (dns.web-hostname judges that it does).
 */
export function webAddresses(ctx: Context): Promise<string[]> {
  return reachableHostAddresses(ctx);
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
