import { defaultRunOptions } from '../../core/options.js';
import { createProbes } from '../../probes/index.js';
import { loadDeployment } from '../../core/deployment.js';
import { describeForDisplay, redactDeep, secretValues } from '../../config/secrets.js';
import { DoctorError } from '../../util/errors.js';
import type { CommandOutcome } from '../program.js';
import type { Io } from '../io.js';
import { configPathFor } from '../options.js';

function originText(entry: ReturnType<typeof describeForDisplay>): string {
  const where = entry.line !== undefined ? `line ${entry.line}` : '';
  switch (entry.origin) {
    case 'file':
      return `file${where ? `, ${where}` : ''}`;
    case 'legacy':
      return `legacy ${entry.source ?? ''}${where ? `, ${where}` : ''}`;
    case 'env':
      return `env ${entry.source ?? ''}`;
    case 'default':
      return entry.source ? `default (${entry.source})` : 'default';
  }
}

/** The effective config as Postal will see it, each value with where it came from; secrets redacted. */
export async function runConfigCommand(flags: { config?: string; format: 'human' | 'json'; hostRoot: string }, io: Io): Promise<CommandOutcome> {
  const options = { ...defaultRunOptions(), configPath: configPathFor(flags, io), hostRoot: flags.hostRoot };
  const { config } = await loadDeployment(options, createProbes(options), AbortSignal.timeout(options.deadlineMs));
  if (config.format === null) {
    // Postal would not start with this file: printing its defaults as "the effective config" would hide that.
    const syntax = config.syntax;
    const first = syntax.fileProblem?.message ?? (syntax.errors[0] ? `line ${syntax.errors[0].line}: ${syntax.errors[0].message.split('\n')[0]}` : 'it is not a Postal config');
    throw new DoctorError(`${config.path}: Postal cannot load this file (${first}); postal-doctor check --only config.syntax explains it`);
  }
  const entries = redactDeep(config.entries().map(describeForDisplay), secretValues(config));
  if (flags.format === 'json') {
    await io.stdout(`${JSON.stringify({ path: config.path, format: config.format, entries }, null, 2)}\n`);
    return { exitCode: 0 };
  }
  const header = `# ${config.path} (${config.format === 2 ? 'version 2' : 'legacy format, read through Postal’s v1 mapping'})\n`;
  const width = Math.max(...entries.map((entry) => entry.key.length));
  const valueWidth = Math.min(48, Math.max(...entries.map((entry) => entry.value.length)));
  const lines = entries.map((entry) => `${entry.key.padEnd(width)}  ${entry.value.padEnd(valueWidth)}  ${originText(entry)}`.trimEnd());
  await io.stdout(`${header}${lines.join('\n')}\n`);
  return { exitCode: 0 };
}
