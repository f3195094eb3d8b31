import type { Context } from '../../core/types.js';
import { defineFact } from '../../core/facts.js';
import { installerContainers } from '../postal/containers.js';

/** A directory Postal's data lives in, and what it holds. */
export interface StoragePlace {
  path: string;
  holds: string;
}

const DOCKER_ROOT_DEFAULT = '/var/lib/docker';
const MARIADB_DATADIR = '/var/lib/mysql';

/** Docker's data directory (`docker info`), or null when Docker cannot be asked. */
async function dockerRoot(ctx: Context): Promise<string | null> {
  const run = await ctx.probes.commands.run('docker', ['info', '--format', '{{.DockerRootDir}}'], { timeoutMs: ctx.options.timeoutMs });
  const root = run.outcome === 'ok' ? run.stdout.trim() : '';
  return root.startsWith('/') ? root : null;
}

/**
 * Where Postal's data grows: /opt/postal (config, the installer), Docker's root (images, container layers,
 * logs) and MariaDB's data directory: the host directory mounted at /var/lib/mysql in postal-mariadb, the
 * container's own layer under Docker's root when nothing is mounted (the installer's prerequisite script runs
 * it without a volume, postalserver/install prerequisites/install-ubuntu.v3.sh), or the host's /var/lib/mysql.
 */
export const storagePlaces = defineFact({
  name: 'storage places',
  probes: ['commands', 'files'],
  async compute(ctx): Promise<StoragePlace[]> {
    const [root, installer] = await Promise.all([dockerRoot(ctx), installerContainers(ctx)]);
    const places: StoragePlace[] = [{ path: '/opt/postal', holds: 'Postal (/opt/postal)' }];
    if (root) places.push({ path: root, holds: `Docker's data (${root})` });
    else if ((await ctx.probes.files.stat(DOCKER_ROOT_DEFAULT)).ok) places.push({ path: DOCKER_ROOT_DEFAULT, holds: `Docker's data (${DOCKER_ROOT_DEFAULT})` });
    const mariadb = installer.ok ? installer.containers.find((container) => container.name === 'postal-mariadb') : undefined;
    const mounted = mariadb?.mounts.find((mount) => mount.destination === MARIADB_DATADIR);
    if (mounted) places.push({ path: mounted.source, holds: `MariaDB's data (${mounted.source}, mounted in postal-mariadb)` });
    else if (mariadb && root) places.push({ path: root, holds: "MariaDB's data (inside the postal-mariadb container)" });
    else if ((await ctx.probes.files.stat(MARIADB_DATADIR)).ok) places.push({ path: MARIADB_DATADIR, holds: `MariaDB's data (${MARIADB_DATADIR})` });
    return places;
  },
});
