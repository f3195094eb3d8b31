import type { CheckContext, CheckDefinition, Evidence, Finding } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { postalContainers, type PostalContainer } from '../../knowledge/postal/containers.js';

/** A file Postal reads once, at process start, and the services that read it. */
interface WatchedFile {
  label: string;
  /** For the files probe. */
  path: string;
  services: 'all' | string[];
  /** Left out when it does not exist (a missing certificate is tls.files' finding, not a reason to restart). */
  optional: boolean;
}

/**
 * postal.yml is read by every process at start; the certificate and key are loaded by the SMTP server
 * on its first STARTTLS and kept for the life of the process (only when TLS is on); signing.key as below.
 */
function watchedFiles(ctx: CheckContext): WatchedFile[] {
  const files: WatchedFile[] = [{ label: 'postal.yml', path: ctx.config.path, services: 'all', optional: false }];
  // Postal.signer reads signing.key once per process (lib/postal/config.rb:109-113 at 3.3.6): the worker signs with
  // it, the web server shows its DKIM record.
  const signingKey = ctx.config.hostPath(ctx.config.get('postal.signing_key_path'));
  if (signingKey) files.push({ label: 'the signing key', path: signingKey, services: ['worker', 'web'], optional: true });
  if (ctx.config.get('smtp_server.tls_enabled')) {
    for (const [label, key] of [
      ['the TLS certificate', 'smtp_server.tls_certificate_path'],
      ['the TLS key', 'smtp_server.tls_private_key_path'],
    ] as const) {
      const host = ctx.config.hostPath(ctx.config.get(key));
      // A path outside the mounted config directory is config.paths' finding; the container cannot read it at all.
      if (host) files.push({ label, path: host, services: ['smtp'], optional: true });
    }
  }
  return files;
}

interface FileTime {
  file: WatchedFile;
  mtime: Date | null;
  problem: string | null;
  missing: boolean;
}

export const postalRestartNeededCheck: CheckDefinition = {
  id: 'postal.restart-needed',
  group: 'postal',
  order: 40,
  title: 'Postal containers were started after their config, certificate and signing key last changed',
  targets: 'container',
  probes: ['commands', 'files'],
  network: false,
  messages: {
    current: { title: '{name} runs with the current files', message: '{name} started after the last change of {files}.' },
    stale: {
      title: '{name} needs a restart',
      message: 'Changed since {name} started: {changed}. Postal reads these files only when it starts, so {name} still runs with the old version.',
    },
    'not-running': { title: '{name}: skipped', message: '{name} is not running (see postal.containers).' },
    'no-start-time': { title: '{name}: could not be determined', message: 'Docker did not report when {name} started.' },
    unreadable: { title: '{name}: could not be determined', message: 'Could not read the modification time of {files}.' },
    'no-containers': { title: 'Restart needed: skipped', message: 'There are no Postal containers to compare with (see postal.containers).' },
    'no-docker': { title: 'Restart needed: could not be determined', message: 'Could not read the start times of the Postal containers: {reason}.' },
  },
  async run(ctx) {
    const fact = await postalContainers(ctx);
    if (!fact.ok) return [{ target: null, status: 'unknown', messageId: 'no-docker', data: { reason: fact.reason }, evidence: fact.evidence }];
    if (fact.containers.length === 0) return [{ target: null, status: 'skip', messageId: 'no-containers', evidence: fact.evidence }];

    const times: FileTime[] = await Promise.all(
      watchedFiles(ctx).map(async (file): Promise<FileTime> => {
        const info = await ctx.probes.files.stat(file.path);
        return info.ok
          ? { file, mtime: info.value.mtime, problem: null, missing: false }
          : { file, mtime: null, problem: info.message, missing: info.code === 'ENOENT' };
      }),
    );
    const fileEvidence: Evidence[] = times.map(({ file, mtime, problem }) => ({ query: `mtime ${file.path}`, answer: mtime ? mtime.toISOString() : problem }));
    return fact.containers.map((container) => judge(container, times, fileEvidence));
  },
};

function judge(container: PostalContainer, times: FileTime[], fileEvidence: Evidence[]): Finding {
  const data = { name: container.name };
  if (!container.running) return { target: container.name, status: 'skip', messageId: 'not-running', data };
  const evidence: Evidence[] = [{ query: `docker inspect ${container.name} State.StartedAt`, answer: container.startedAt?.toISOString() ?? null }, ...fileEvidence];
  if (!container.startedAt) return { target: container.name, status: 'unknown', messageId: 'no-start-time', data, evidence };
  const startedAt = container.startedAt;

  const relevant = times.filter(({ file, missing }) => (file.services === 'all' || file.services.includes(container.service)) && !(missing && file.optional));
  const changed = relevant.filter(({ mtime }) => mtime !== null && mtime.getTime() > startedAt.getTime());
  const unreadable = relevant.filter(({ mtime }) => mtime === null);
  const names = (list: FileTime[]) => list.map(({ file }) => (file.label === 'postal.yml' ? file.label : `${file.label} (${file.path})`)).join(', ');

  if (changed.length > 0) {
    return {
      target: container.name,
      status: 'warn',
      messageId: 'stale',
      data: { ...data, changed: names(changed) },
      evidence,
      fix: { summary: `Restart ${container.name} so that it reads ${names(changed)} again`, commands: [sh`docker restart ${container.name}`], kind: 'restart' },
    };
  }
  if (unreadable.length > 0) return { target: container.name, status: 'unknown', messageId: 'unreadable', data: { ...data, files: names(unreadable) }, evidence };
  return { target: container.name, status: 'pass', messageId: 'current', data: { ...data, files: names(relevant) }, evidence };
}
