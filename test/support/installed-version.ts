import type { FileProbe, Probes } from '../../src/probes/types.js';
import { COMPOSE_FILE } from '../../src/knowledge/postal/version.js';
import { fakeCommands } from './network-fakes.js';

/**
 * Files and commands probes of a host where the installer's compose file runs Postal `version` (null: no
 * compose file) and docker is not installed: the Postal version fact reads the compose file's image tag.
 */
export function installedVersion(version: string | null): Pick<Probes, 'files' | 'commands'> {
  const compose = version === null ? null : `services:\n  smtp:\n    image: ghcr.io/postalserver/postal:${version}\n  worker:\n    image: ghcr.io/postalserver/postal:${version}\n`;
  const files: FileProbe = {
    stat: async () => ({ ok: false, code: 'ENOENT', message: 'no such file' }),
    statfs: async () => ({ ok: false, code: 'ENOENT', message: 'no such file' }),
    read: async (path) => (path === COMPOSE_FILE && compose !== null ? { ok: true, value: Buffer.from(compose) } : { ok: false, code: 'ENOENT', message: 'no such file' }),
  };
  return { files, commands: fakeCommands({}) };
}
