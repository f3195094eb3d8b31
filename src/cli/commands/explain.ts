import { readAsset } from '../../core/assets.js';
import { CATALOGUE, findCheck } from '../../core/catalogue.js';
import { UsageError } from '../../util/errors.js';
import { closestNames } from '../../util/suggest.js';
import type { CommandOutcome } from '../program.js';
import type { Io } from '../io.js';

export async function runExplainCommand(id: string, io: Io): Promise<CommandOutcome> {
  if (!findCheck(id)) {
    const suggestions = closestNames(id, CATALOGUE.map((check) => check.id));
    const hint = suggestions.length > 0 ? `; did you mean ${suggestions.join(' or ')}?` : ' (see postal-doctor list)';
    throw new UsageError(`no check named "${id}"${hint}`);
  }
  await io.stdout(readAsset(`docs/checks/${id}.md`));
  return { exitCode: 0 };
}
