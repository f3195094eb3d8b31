import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUSYBOX = '/bin/busybox';

function docker(args: string[], input?: Buffer): string {
  return execFileSync('docker', args, { input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], timeout: 60_000 }).toString();
}

/** Why tests with real Docker containers cannot run here, or null when they can. */
export function realDockerMissing(): string | null {
  if (process.getuid?.() !== 0) return 'real Docker tests need root';
  try {
    execFileSync(BUSYBOX, ['true'], { stdio: 'ignore' });
  } catch {
    return `${BUSYBOX} is missing (apt-get install busybox-static)`;
  }
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    return 'no Docker daemon answers (apt-get install docker.io; dockerd --iptables=false --bridge=none)';
  }
  return null;
}

/** A unique suffix for this run's image and container names. */
export function runId(): string {
  return `${process.pid}${Math.floor(Math.random() * 1e6)}`;
}

/** A tiny local image (busybox-static as its whole rootfs), imported, never pulled. Removed with removeImage. */
export function buildBusyboxImage(tag: string): void {
  const root = mkdtempSync(join(tmpdir(), 'pd-rootfs-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'config'));
    copyFileSync(BUSYBOX, join(root, 'bin', 'busybox'));
    for (const tool of ['sh', 'echo', 'sleep', 'cat', 'env', 'true']) symlinkSync('busybox', join(root, 'bin', tool));
    const tar = execFileSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    docker(['import', '--change', 'ENV PATH=/bin', '-', tag], tar);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface PostalLikeContainer {
  service: 'web' | 'smtp' | 'worker';
  name: string;
  env?: Record<string, string>;
  /** The shell script the container runs. */
  script: string;
}

/**
 * Runs a container shaped like the installer's (compose labels of project `postal`, the service's name, the config
 * directory mounted at /config) from the local image, with no network. Returns once it is started.
 */
export function runPostalLike(image: string, configDir: string, spec: PostalLikeContainer): void {
  const env = Object.entries(spec.env ?? {}).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
  docker([
    'run', '-d', '--network', 'none', '--name', spec.name,
    '--label', 'com.docker.compose.project=postal', '--label', `com.docker.compose.service=${spec.service}`, '--label', 'com.docker.compose.oneoff=False',
    '-v', `${configDir}:/config`, ...env, image, 'sh', '-c', spec.script,
  ]);
}

/** Waits until a container has exited. */
export function waitExited(name: string): void {
  docker(['wait', name]);
}

export function removeContainers(names: string[]): void {
  for (const name of names) {
    try {
      docker(['rm', '-f', name]);
    } catch {
      // Never created, or already gone.
    }
  }
}

export function removeImage(tag: string): void {
  try {
    docker(['rmi', '-f', tag]);
  } catch {
    // Never built.
  }
}

/** Label on containers made under the installer's fixed names, so that nothing else by those names is ever removed. */
export const TEST_LABEL = 'postal-doctor.test';

/** The names the installer gives its own containers; the doctor looks for exactly these. */
export const INSTALLER_NAMES = ['postal-caddy', 'postal-mariadb'] as const;

/**
 * Why tests cannot take the installer's container names here, or null when they can: a postal-caddy or
 * postal-mariadb that no test made (this machine's own Postal?) is left alone, and the tests are skipped.
 */
export function installerNamesTaken(): string | null {
  for (const name of INSTALLER_NAMES) {
    let label: string;
    try {
      label = docker(['inspect', '--format', `{{index .Config.Labels "${TEST_LABEL}"}}`, name]).trim();
    } catch {
      continue; // no such container
    }
    if (label === '' || label === '<no value>') return `a container named ${name} exists that no test made; it is left alone`;
  }
  return null;
}

const NAMES_LOCK = join(tmpdir(), 'postal-doctor-installer-names.lock');
/** A lock whose holder wrote no pid for this long died between taking it and writing one. */
const UNWRITTEN_LOCK_MS = 60_000;

function lockIsStale(): boolean {
  let owner = 0;
  try {
    owner = Number(readFileSync(join(NAMES_LOCK, 'pid'), 'utf8'));
  } catch {
    try {
      return Date.now() - statSync(NAMES_LOCK).mtimeMs > UNWRITTEN_LOCK_MS;
    } catch {
      return false; // released meanwhile
    }
  }
  if (!owner) return false;
  try {
    process.kill(owner, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes the machine-wide lock on the installer's container names (test files run in parallel, and other checkouts
 * may share this Docker daemon), then removes what a test that died left under those names. Resolves with the
 * function that removes the containers and releases the lock.
 */
export async function claimInstallerNames(timeoutMs = 120_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(NAMES_LOCK);
      writeFileSync(join(NAMES_LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale()) {
        rmSync(NAMES_LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${NAMES_LOCK} is still held after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const removeOurs = () => {
    for (const name of INSTALLER_NAMES) {
      try {
        const label = docker(['inspect', '--format', `{{index .Config.Labels "${TEST_LABEL}"}}`, name]).trim();
        if (label !== '' && label !== '<no value>') docker(['rm', '-f', name]);
      } catch {
        // No such container.
      }
    }
  };
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    removeOurs();
    rmSync(NAMES_LOCK, { recursive: true, force: true });
  };
  process.once('exit', release);
  try {
    removeOurs();
  } catch (error) {
    release();
    throw error;
  }
  return release;
}

export interface InstallerLikeContainer {
  name: (typeof INSTALLER_NAMES)[number];
  /** `host` for the installer's Caddy (it binds 80 and 443 itself); `none` stands in for MariaDB's `-p 127.0.0.1:3306:3306`. */
  network: 'host' | 'none';
  /** Host path → path in the container. */
  volumes: Record<string, string>;
  env?: Record<string, string>;
  /** The shell script the container runs. */
  script: string;
}

/**
 * Runs a container shaped like the ones Postal's installation guide starts by name (`docker run -d --name … --restart
 * always`, with its volumes and environment) from the local image, labelled TEST_LABEL. Returns once it is started.
 */
export function runInstallerLike(image: string, spec: InstallerLikeContainer): void {
  const volumes = Object.entries(spec.volumes).flatMap(([host, inside]) => ['-v', `${host}:${inside}`]);
  const env = Object.entries(spec.env ?? {}).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
  docker(['run', '-d', '--name', spec.name, '--restart', 'always', '--network', spec.network, '--label', `${TEST_LABEL}=${process.pid}`, ...volumes, ...env, image, 'sh', '-c', spec.script]);
}

/** `docker stop` / `docker start` as an operator would type them. */
export function dockerCommand(args: string[]): string {
  return docker(args);
}
