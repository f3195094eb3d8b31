import { isAbsolute, resolve } from 'node:path';
import type { RunOptions } from '../core/types.js';
import { GROUPS } from '../core/types.js';
import { defaultRunOptions, DEFAULT_CONFIG_PATH } from '../core/options.js';
import { CATALOGUE, findCheck } from '../core/catalogue.js';
import { UsageError } from '../util/errors.js';
import { closestNames } from '../util/suggest.js';
import type { RunFlags } from './program.js';
import type { Io } from './io.js';

/** Where postal.yml is on the host (read under --host-root): --config, relative to the working directory, else the default. */
export function configPathFor(flags: { config?: string }, io: Pick<Io, 'cwd' | 'env'>): string {
  if (flags.config) return isAbsolute(flags.config) ? flags.config : resolve(io.cwd, flags.config);
  return io.env.POSTAL_CONFIG_FILE_PATH || DEFAULT_CONFIG_PATH;
}

/** The check ids (and group names) nearest to a misspelt one: `hostnames` finds `config.hostnames` by its last part. */
export function suggestCheckNames(name: string, withGroups: boolean): string[] {
  const ids = CATALOGUE.map((check) => check.id);
  const bySuffix = ids.filter((id) => id.slice(id.indexOf('.') + 1) === name.toLowerCase());
  const names = withGroups ? [...GROUPS, ...ids] : ids;
  return [...new Set([...bySuffix, ...closestNames(name, names)])].slice(0, 2);
}

/** `; did you mean config.hostnames?`, or a pointer to `list` when nothing is near. */
export function didYouMean(name: string, withGroups: boolean): string {
  const suggestions = suggestCheckNames(name, withGroups);
  return suggestions.length > 0 ? `; did you mean ${suggestions.join(' or ')}?` : ' (see postal-doctor list)';
}

/** A typo in --only or --skip is a usage error before anything runs, with the nearest names. */
function checkNames(names: string[], flag: string): string[] {
  for (const name of names) {
    if (!(GROUPS as readonly string[]).includes(name) && !findCheck(name)) {
      throw new UsageError(`${flag}: no check or group named "${name}"${didYouMean(name, true)}`);
    }
  }
  return names;
}

/** The options of a run, from the flags of check, report or fix. */
export function runOptionsFrom(flags: RunFlags, io: Pick<Io, 'cwd' | 'env'>): RunOptions {
  const defaults = defaultRunOptions();
  return {
    ...defaults,
    configPath: configPathFor(flags, io),
    only: checkNames(flags.only, '--only'),
    skip: checkNames(flags.skip, '--skip'),
    ips: flags.ip,
    useDatabase: flags.db,
    resolvers: flags.resolver,
    dnsblResolvers: flags.dnsblResolver.length > 0 ? flags.dnsblResolver : flags.resolver,
    dnsblZones: flags.dnsblZone.length > 0 ? flags.dnsblZone : defaults.dnsblZones,
    probeTargets: flags.probeTarget,
    smtpTargets: flags.smtpTarget,
    offline: flags.offline,
    timeoutMs: flags.timeout,
    maxInFlight: flags.concurrency,
    deadlineMs: flags.deadline,
    hostRoot: flags.hostRoot,
    thresholds: flags.threshold,
    domain: flags.domain?.toLowerCase().replace(/\.$/, '') ?? null,
  };
}
