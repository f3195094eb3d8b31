import { readFile } from 'node:fs/promises';
import { CATALOGUE, findCheck } from '../../core/catalogue.js';
import { UsageError } from '../../util/errors.js';
import { closestNames } from '../../util/suggest.js';
import type { CommandOutcome } from '../program.js';
import type { Io } from '../io.js';

export const DOCS_DIRECTORY = new URL('../../../docs/checks/', import.meta.url);

export async function runExplainCommand(id: string, io: Io): Promise<CommandOutcome> {
  if (!findCheck(id)) {
    const suggestions = closestNames(id, CATALOGUE.map((check) => check.id));
    const hint = suggestions.length > 0 ? `; did you mean ${suggestions.join(' or ')}?` : ' (see postal-doctor list)';
    throw new UsageError(`no check named "${id}"${hint}`);
  }
  await io.stdout(await readFile(new URL(`${id}.md`, DOCS_DIRECTORY), 'utf8'));
  return { exitCode: 0 };
}
