import { parse } from 'yaml';
import { defineFact } from '../../core/facts.js';
import type { CheckContext, Evidence } from '../../core/types.js';
import type { ConfigKey } from '../../config/schema.js';
import { containersOf, dockerFailure, postalContainers, type PostalContainer } from './containers.js';

/** Where `postal bootstrap`/`postal upgrade` keep the generated compose file (postalserver/install). */
export const COMPOSE_FILE = '/opt/postal/install/docker-compose.yml';

/** The image writes its build version here (Postal's Dockerfile); `postal version` prints it. */
export const VERSION_FILE = '/opt/postal/app/VERSION';

const EXACT_VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;

export type VersionSource = 'compose file' | 'container image' | 'VERSION file';

export interface PostalVersion {
  /** The exact release, `3.3.4`; null when only a floating tag (or nothing) was found. */
  version: string | null;
  /** The image tag that was found, e.g. `3.3.4`, `latest`, `stable`, `branch-main`. */
  tag: string | null;
  source: VersionSource | null;
  /** The compose file and the running smtp container name different releases: the containers were not recreated. */
  mismatch: { compose: string; running: string; container: string } | null;
  /** Why nothing could be found, when nothing was. */
  reason: string | null;
  evidence: Evidence[];
}

/** `[3, 0, 1]` for `3.0.1`; null for anything that is not an exact release. */
export function parseVersion(text: string): [number, number, number] | null {
  const match = EXACT_VERSION.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/** Negative when a is older than b. Both must be exact releases. */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) throw new Error(`not a release version: ${left ? b : a}`);
  return left[0] - right[0] || left[1] - right[1] || left[2] - right[2];
}

function normalisedVersion(tag: string): string | null {
  const parts = parseVersion(tag);
  return parts ? parts.join('.') : null;
}

/** The tag of a Postal image reference (`ghcr.io/postalserver/postal:3.3.4` → `3.3.4`); null for other images, digests or no tag. */
export function postalImageTag(image: string): string | null {
  const reference = image.trim().split('@')[0];
  const colon = reference.lastIndexOf(':');
  const hasTag = colon > reference.lastIndexOf('/');
  const repository = hasTag ? reference.slice(0, colon) : reference;
  if (!/(^|\/)postal(server)?\/postal$/.test(repository)) return null;
  return hasTag ? reference.slice(colon + 1) || null : null;
}

/** The image tag the compose file gives the sending and receiving services (smtp first, then worker, then any). */
function composeTag(text: string): string | null {
  const document = parse(text, { version: '1.1' }) as { services?: Record<string, { image?: unknown }> } | null;
  const services = document?.services;
  if (!services || typeof services !== 'object') return null;
  const order = ['smtp', 'worker', 'web', ...Object.keys(services)];
  for (const name of order) {
    const image = services[name]?.image;
    if (typeof image === 'string') {
      const tag = postalImageTag(image);
      if (tag) return tag;
    }
  }
  return null;
}

/** The compose file's Postal image tag, or why there is none. */
async function readComposeTag(ctx: CheckContext, evidence: Evidence[]): Promise<{ tag: string | null; why: string }> {
  const file = await ctx.probes.files.read(COMPOSE_FILE, 256 * 1024);
  if (!file.ok) {
    evidence.push({ query: `read ${COMPOSE_FILE}`, answer: file.message });
    return { tag: null, why: `${COMPOSE_FILE}: ${file.message}` };
  }
  let tag: string | null;
  try {
    tag = composeTag(file.value.toString('utf8'));
  } catch {
    tag = null;
  }
  evidence.push({ query: `image tag in ${COMPOSE_FILE}`, answer: tag ?? 'no ghcr.io/postalserver/postal image' });
  return { tag, why: `${COMPOSE_FILE} names no ghcr.io/postalserver/postal image` };
}

async function readVersionFile(ctx: CheckContext, container: PostalContainer, evidence: Evidence[]): Promise<string | null> {
  const args = ['exec', container.name, 'cat', VERSION_FILE];
  const run = await ctx.probes.commands.run('docker', args, { timeoutMs: ctx.options.timeoutMs });
  const failure = dockerFailure(run, ctx.options.timeoutMs);
  const text = run.stdout.trim();
  evidence.push({ query: `docker ${args.join(' ')}`, answer: failure ? failure.reason : text });
  return failure ? null : normalisedVersion(text);
}

/**
 * The Postal release this host runs, read once per run: the `image:` tag in the installer's compose file,
 * else the image of the smtp container (`docker inspect`), else the VERSION file inside it. When the
 * compose file and the running container disagree, the running container wins: it is what serves mail.
 */
export const postalVersion = defineFact({
  name: 'Postal version',
  probes: ['files', 'commands'],
  async compute(ctx): Promise<PostalVersion> {
    const evidence: Evidence[] = [];
    const compose = await readComposeTag(ctx, evidence);
    const fromCompose = compose.tag;
    const containers = await postalContainers(ctx);
    const candidates = containers.ok ? [...containersOf(containers.containers, 'smtp'), ...containersOf(containers.containers, 'worker')] : [];
    const container = candidates[0] ?? null;
    const fromImage = container ? postalImageTag(container.image) : null;
    if (container) evidence.push({ query: `docker inspect ${container.name} Config.Image`, answer: container.image });
    else if (!containers.ok) evidence.push({ query: 'docker', answer: containers.reason });

    const composeVersion = fromCompose ? normalisedVersion(fromCompose) : null;
    const runningVersion = fromImage ? normalisedVersion(fromImage) : null;
    const result = (version: string | null, tag: string | null, source: VersionSource | null, reason: string | null = null): PostalVersion => ({
      version,
      tag,
      source,
      mismatch: composeVersion && runningVersion && composeVersion !== runningVersion && container ? { compose: composeVersion, running: runningVersion, container: container.name } : null,
      reason,
      evidence,
    });

    if (runningVersion && composeVersion && runningVersion !== composeVersion) return result(runningVersion, fromImage, 'container image');
    if (composeVersion) return result(composeVersion, fromCompose, 'compose file');
    if (runningVersion) return result(runningVersion, fromImage, 'container image');
    if (container?.running) {
      const fromFile = await readVersionFile(ctx, container, evidence);
      if (fromFile) return result(fromFile, fromCompose ?? fromImage ?? fromFile, 'VERSION file');
    }
    const floating = fromCompose ?? fromImage;
    if (floating) return result(null, floating, fromCompose ? 'compose file' : 'container image');
    const dockerSide = !containers.ok
      ? containers.reason
      : container
        ? `${container.name} runs ${container.image || 'an unnamed image'}, which is not a Postal release tag${container.running ? ', and its VERSION file could not be read' : ''}`
        : 'no Postal smtp or worker container exists';
    const reason = `${compose.why}; ${dockerSide}`;
    return result(null, null, null, reason);
  },
});

/** Image-baked environment of Postal 3.0.0–3.1.0 (its Dockerfile), which beat the file's paths. */
export const BAKED_PATH_VARIABLES: ReadonlyArray<{ key: ConfigKey; variable: string; value: string }> = [
  { key: 'smtp_server.tls_certificate_path', variable: 'SMTP_SERVER_TLS_CERTIFICATE_PATH', value: '/config/smtp.cert' },
  { key: 'smtp_server.tls_private_key_path', variable: 'SMTP_SERVER_TLS_PRIVATE_KEY_PATH', value: '/config/smtp.key' },
  { key: 'postal.signing_key_path', variable: 'POSTAL_SIGNING_KEY_PATH', value: '/config/signing.key' },
];
