import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why tmpfs filesystems cannot be mounted here, or null when they can. */
export function tmpfsMissing(): string | null {
  if (process.getuid?.() !== 0) return 'mounting tmpfs filesystems needs root (CI runs as root)';
  try {
    execFileSync('sh', ['-c', 'command -v mount && command -v umount'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'mount/umount not installed (apt-get install mount)';
  }
}

export interface Tmpfs {
  /** Writes `mib` MiB into a file on the filesystem mounted at `path` (under the root). */
  fill(path: string, mib: number): void;
  /** Creates `count` empty files, using inodes. */
  touch(path: string, count: number): void;
  root: string;
  cleanup(): void;
}

/**
 * A throw-away `--host-root` with a tmpfs of a known size mounted at each host path:
 * `{ '/opt/postal': 'size=16m', '/var/lib/mysql': 'size=16m,nr_inodes=100' }`.
 */
export function mountTmpfs(mounts: Record<string, string>): Tmpfs {
  const root = mkdtempSync(join(tmpdir(), 'pd-disk-'));
  const mounted: string[] = [];
  const cleanup = () => {
    for (const point of mounted.reverse()) execFileSync('umount', [point]);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const [path, options] of Object.entries(mounts)) {
      const point = join(root, path);
      mkdirSync(point, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'pd-test', point]);
      mounted.push(point);
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return {
    root,
    fill(path, mib) {
      writeFileSync(join(root, path, 'fill.bin'), Buffer.alloc(mib * 1024 * 1024, 1));
    },
    touch(path, count) {
      for (let index = 0; index < count; index++) writeFileSync(join(root, path, `file-${index}`), '');
    },
    cleanup,
  };
}
