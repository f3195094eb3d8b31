import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/** The peer's chain, leaf first, from one `getPeerCertificate(true)` call (Node 20 returns `{}` on a second look). */
export function peerChain(socket: TLSSocket): string[] {
  const seen = new Set<string>();
  const chain: string[] = [];
  let current: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(new X509Certificate(current.raw).toString());
    current = current.issuerCertificate;
  }
  return chain;
}
