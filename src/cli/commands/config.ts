import { defaultRunOptions } from '../../core/options.js';
import { createProbes } from '../../probes/index.js';
import { loadDeployment } from '../../core/deployment.js';
import { describeForDisplay, redactDeep, secretValues } from '../../config/secrets.js';
import type { CommandOutcome } from '../program.js';
import type { Io } from '../io.js';
import { configPathFor } from './check.js';

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
  const entries = redactDeep(config.entries().map(describeForDisplay), secretValues(config));
  if (flags.format === 'json') {
    await io.stdout(`${JSON.stringify({ path: config.path, format: config.format, entries }, null, 2)}\n`);
    return { exitCode: 0 };
  }
  const header = `# ${config.path} (${config.format === 2 ? 'version 2' : config.format === 1 ? 'legacy format, read through Postal’s v1 mapping' : 'not loadable: run postal-doctor check --only config.syntax'})\n`;
  const width = Math.max(...entries.map((entry) => entry.key.length));
  const valueWidth = Math.min(48, Math.max(...entries.map((entry) => entry.value.length)));
  const lines = entries.map((entry) => `${entry.key.padEnd(width)}  ${entry.value.padEnd(valueWidth)}  ${originText(entry)}`.trimEnd());
  await io.stdout(`${header}${lines.join('\n')}\n`);
  return { exitCode: 0 };
}
