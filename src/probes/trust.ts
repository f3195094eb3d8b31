import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { TrustProbe } from './types.js';

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
  return { roots: () => (loaded ??= load()) };
}
