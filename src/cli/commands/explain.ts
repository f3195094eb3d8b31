import { readAsset } from '../../core/assets.js';
import { findCheck } from '../../core/catalogue.js';
import { UsageError } from '../../util/errors.js';
import type { CommandOutcome } from '../program.js';
import type { Io } from '../io.js';
import { didYouMean } from '../options.js';

export async function runExplainCommand(id: string, io: Io): Promise<CommandOutcome> {
  if (!findCheck(id)) throw new UsageError(`no check named "${id}"${didYouMean(id, false)}`);
  await io.stdout(readAsset(`docs/checks/${id}.md`));
  return { exitCode: 0 };
}
