import { readFile } from 'node:fs/promises';
import { findCheck } from '../../core/catalogue.js';
import { UsageError } from '../../util/errors.js';
import type { CommandOutcome } from '../program.js';
import type { Io } from '../io.js';
import { didYouMean } from '../options.js';

export const DOCS_DIRECTORY = new URL('../../../docs/checks/', import.meta.url);

export async function runExplainCommand(id: string, io: Io): Promise<CommandOutcome> {
  if (!findCheck(id)) throw new UsageError(`no check named "${id}"${didYouMean(id, false)}`);
  await io.stdout(await readFile(new URL(`${id}.md`, DOCS_DIRECTORY), 'utf8'));
  return { exitCode: 0 };
}
