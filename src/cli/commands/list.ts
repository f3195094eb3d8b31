import { CATALOGUE } from '../../core/catalogue.js';
import type { CommandOutcome } from '../program.js';
import type { Io } from '../io.js';

export async function runListCommand(flags: { format: 'human' | 'json' }, io: Io): Promise<CommandOutcome> {
  const rows = CATALOGUE.map(({ id, group, title, targets }) => ({ id, group, title, target: targets }));
  if (flags.format === 'json') {
    await io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const width = Math.max(...rows.map((row) => row.id.length));
    await io.stdout(rows.map((row) => `${row.id.padEnd(width)}  ${row.title}\n`).join(''));
  }
  return { exitCode: 0 };
}
