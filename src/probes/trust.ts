import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { TrustProbe } from './types.js';

/** Root lists that are Node's own store: a TLS connection given no roots uses that store, already built once in C++. */
const nodeStores = new WeakSet<string[]>();

/** Whether `roots` is the list the real trust probe read: Node's bundled roots plus NODE_EXTRA_CA_CERTS. */
export function isNodeStore(roots: string[]): boolean {
  return nodeStores.has(roots);
}

/**
 * The roots Node's TLS trusts: its bundled Mozilla list plus the PEM file named by
 * NODE_EXTRA_CA_CERTS, which is how an operator adds a private CA. A named file that
 * cannot be read is an error naming it, never a silently smaller store. Read once: every call gives the same
 * list, so a TLS context built from it can be reused.
 */
export function createTrustProbe(env: NodeJS.ProcessEnv = process.env): TrustProbe {
  let loaded: Promise<string[]> | undefined;
  const load = async (): Promise<string[]> => {
    const extraFile = env.NODE_EXTRA_CA_CERTS;
    if (!extraFile) return [...rootCertificates];
    try {
      return [...rootCertificates, await readFile(extraFile, 'utf8')];
    } catch (error) {
      throw new Error(`NODE_EXTRA_CA_CERTS=${extraFile}: ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
    }
  };
  const read = async () => {
    const roots = await load();
    // Node reads NODE_EXTRA_CA_CERTS from the process environment, so only this environment's list is its store.
    if (env === process.env) nodeStores.add(roots);
    return roots;
  };
  return { roots: () => (loaded ??= read()) };
}
