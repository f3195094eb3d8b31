import type { CheckDefinition, Group } from './types.js';
import { GROUPS } from './types.js';
import { UsageError } from '../util/errors.js';
import { configChecks } from '../checks/config/index.js';
import { networkChecks } from '../checks/network/index.js';
import { dnsChecks } from '../checks/dns/index.js';
import { tlsChecks } from '../checks/tls/index.js';
import { postalChecks } from '../checks/postal/index.js';

/** Every check, in the order reports list them. */
export const CATALOGUE: readonly CheckDefinition[] = [...configChecks, ...networkChecks, ...dnsChecks, ...tlsChecks, ...postalChecks];

export function findCheck(id: string): CheckDefinition | undefined {
  return CATALOGUE.find((check) => check.id === id);
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

/**
 * Applies --only and --skip. Checks outside --only are left out; checks named by --skip stay
 * in the report as `skip`. A check that another selected check depends on is run as well.
 */
export function selectChecks(only: string[], skip: string[]): { checks: CheckDefinition[]; skipped: Set<string> } {
  const wanted = only.length > 0 ? expand(only, '--only') : new Set(CATALOGUE.map((check) => check.id));
  const skipped = expand(skip, '--skip');
  for (const check of [...CATALOGUE].reverse()) {
    if (wanted.has(check.id) && !skipped.has(check.id)) for (const id of check.dependsOn ?? []) wanted.add(id);
  }
  return { checks: CATALOGUE.filter((check) => wanted.has(check.id)), skipped };
}
