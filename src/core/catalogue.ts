import type { CatalogueEntry, CheckDefinition, Group } from './types.js';
import { GROUPS } from './types.js';
import { CHECK_INDEX } from '../checks/index.js';
import { UsageError } from '../util/errors.js';

/** Every check, in the order reports list them: by group, then by each check's `order`. No check module is loaded. */
export const CATALOGUE: readonly CatalogueEntry[] = [...CHECK_INDEX].sort(
  (a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group) || a.order - b.order || a.id.localeCompare(b.id),
);

export function findCheck(id: string): CatalogueEntry | undefined {
  return CATALOGUE.find((check) => check.id === id);
}

/** Imports the modules of these checks (a run loads only the checks it runs), in the same order. */
export function loadChecks(entries: readonly CatalogueEntry[]): Promise<CheckDefinition[]> {
  return Promise.all(entries.map((entry) => entry.load()));
}

function expand(names: string[], flag: string): Set<string> {
  const ids = new Set<string>();
  for (const name of names) {
    if ((GROUPS as readonly string[]).includes(name)) {
      for (const check of CATALOGUE) if (check.group === (name as Group)) ids.add(check.id);
    } else if (findCheck(name)) {
      ids.add(name);
    } else {
      throw new UsageError(`${flag}: no check or group named "${name}" (see postal-doctor list)`);
    }
  }
  return ids;
}

/** Applies --only and --skip. Checks outside --only are left out; checks named by --skip stay in the report as `skip`. */
export function selectChecks(only: string[], skip: string[]): { checks: CatalogueEntry[]; skipped: Set<string> } {
  const wanted = only.length > 0 ? expand(only, '--only') : new Set(CATALOGUE.map((check) => check.id));
  const skipped = expand(skip, '--skip');
  return { checks: CATALOGUE.filter((check) => wanted.has(check.id)), skipped };
}
