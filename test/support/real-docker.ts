import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
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
