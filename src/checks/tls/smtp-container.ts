import type { CheckContext } from '../../core/types.js';
import { sh } from '../../core/shell.js';

/**
 * The container that runs Postal's SMTP server. The installer's compose project is `postal`,
 * so its smtp service runs as `postal-smtp-1`; this is the one place that knows it.
 */
export function smtpContainerName(_ctx: CheckContext): string {
  return 'postal-smtp-1';
}

/** Postal reads its certificate and config once per process: a restart makes it read them again. */
export function restartSmtpCommand(ctx: CheckContext): string {
  return sh`docker restart ${smtpContainerName(ctx)}`;
}
