import { networkInterfaces } from 'node:os';
import { canonicalIp } from '../util/ip.js';
import type { HostAddress, HostProbe } from './types.js';

export function createHostProbe(): HostProbe {
  return {
    async addresses(): Promise<HostAddress[]> {
      return Object.entries(networkInterfaces()).flatMap(([name, addresses]) =>
        (addresses ?? []).map((address) => ({
          address: canonicalIp(address.address.replace(/%.*$/, '')),
          family: address.family === 'IPv6' ? (6 as const) : (4 as const),
          interface: name,
          internal: address.internal,
        })),
      );
    },
  };
}
