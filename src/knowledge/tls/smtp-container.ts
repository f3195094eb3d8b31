import type { CheckContext } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { containerNameFor, postalContainers } from '../postal/containers.js';

/** The container that runs Postal's SMTP server, and the command that makes it read its files again. */
export interface SmtpRestart {
  name: string;
  command: string;
}

/**
 * Postal reads its certificate and config once per process: a restart of the smtp container makes it
 * read them again. The name is the deployment's own when Docker can tell (`postal_smtp_1` on
 * docker-compose v1), else the installer's `postal-smtp-1`.
 */
export async function smtpRestart(ctx: CheckContext): Promise<SmtpRestart> {
  const fact = await postalContainers(ctx).catch(() => null);
  const name = containerNameFor(fact?.ok ? fact.containers : [], 'smtp');
  return { name, command: sh`docker restart ${name}` };
}
