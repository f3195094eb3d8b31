import type { EffectiveConfig, WrittenKey } from './effective.js';
import { CONFIG_KEYS, type ConfigKey } from './schema.js';
import { isRetiredLegacyPath, LEGACY_SOURCES } from './legacy.js';
import { editDistance } from '../util/suggest.js';

/**
 * What Postal makes of one key written in postal.yml. Everything but `known` is silently
 * ignored by Postal; `target` is the setting the operator most likely meant, and `writeAs`
 * the path to write it under in this file (null: a legacy file cannot set it; convert the file).
 */
export type KeyClassification =
  | { kind: 'known' }
  | { kind: 'legacy-in-v2'; target: ConfigKey; writeAs: string }
  | { kind: 'v2-in-legacy'; target: ConfigKey; writeAs: string | null }
  | { kind: 'wrong-group'; target: ConfigKey; writeAs: string }
  | { kind: 'typo'; target: ConfigKey; writeAs: string }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'retired' }
  | { kind: 'unknown-group'; group: string }
  | { kind: 'unknown' };

/** A key path a file of some format can set, and the v2 key it feeds. */
interface Name {
  path: string;
  target: ConfigKey;
}

const V2_NAMES: Name[] = CONFIG_KEYS.map((key) => ({ path: key, target: key }));
const V1_NAMES: Name[] = (Object.entries(LEGACY_SOURCES) as Array<[ConfigKey, string]>).map(([target, path]) => ({ path, target }));

const groupOf = (path: string) => (path.includes('.') ? path.slice(0, path.indexOf('.')) : '');
const leafOf = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/** How far a name may be from a real one and still count as a typo of it. */
function typoAllowance(name: string): number {
  return name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
}

/** The candidates nearest to `name` within the typo allowance (several when tied). */
function nearest<T>(name: string, candidates: T[], nameOf: (candidate: T) => string): T[] {
  let best = Infinity;
  let found: T[] = [];
  const allowance = typoAllowance(name);
  for (const candidate of candidates) {
    const other = nameOf(candidate);
    // The distance is at least the difference in length: most names are ruled out without computing it.
    if (Math.abs(other.length - name.length) > allowance) continue;
    const distance = editDistance(name, other);
    if (distance > allowance || distance > best) continue;
    if (distance < best) found = [];
    best = distance;
    found.push(candidate);
  }
  return found;
}

/** Nearest names by leaf, per format: a file repeats leaves across groups, and each search compares with every name. */
const nearestByLeaf = new Map<string, Name[]>();

function nearestInAnyGroup(leaf: string, format: 1 | 2, names: Name[]): Name[] {
  const key = `${format}:${leaf}`;
  let found = nearestByLeaf.get(key);
  if (!found) {
    found = nearest(leaf, names, (name) => leafOf(name.path));
    // Bounded: a hostile file must not grow it without end.
    if (nearestByLeaf.size < 10_000) nearestByLeaf.set(key, found);
  }
  return found;
}

/** Classifies one written key path of a file in `format` the way Postal 3 treats it. */
export function classifyKey(path: string, format: 1 | 2): KeyClassification {
  if (path === 'version') return { kind: 'known' };
  const own = format === 2 ? V2_NAMES : V1_NAMES;
  const other = format === 2 ? V1_NAMES : V2_NAMES;
  if (own.some((name) => name.path === path)) return { kind: 'known' };
  // A group written empty (`dns:`) sets nothing and hides nothing.
  if (own.some((name) => name.path.startsWith(`${path}.`))) return { kind: 'known' };

  const otherName = other.find((name) => name.path === path);
  if (otherName && format === 2) return { kind: 'legacy-in-v2', target: otherName.target, writeAs: otherName.target };
  if (otherName && format === 1) return { kind: 'v2-in-legacy', target: otherName.target, writeAs: LEGACY_SOURCES[otherName.target] ?? null };
  if (isRetiredLegacyPath(path)) return { kind: 'retired' };

  const group = groupOf(path);
  const leaf = leafOf(path);
  const ownGroups = new Set(own.map((name) => groupOf(name.path)));
  const moved = (names: Name[]) => names.filter((name) => leafOf(name.path) === leaf && name.path !== path);
  const suggest = (kind: 'wrong-group' | 'typo', name: Name): KeyClassification => ({ kind, target: name.target, writeAs: format === 2 ? name.target : (LEGACY_SOURCES[name.target] ?? name.path) });

  // A typo of the group (`smtp_sever.tls_enabled`).
  const groupGuess = group && !ownGroups.has(group) ? nearest(group, [...ownGroups], (name) => name) : [];
  if (groupGuess.length === 1) {
    const corrected = `${groupGuess[0]}${path.slice(group.length)}`;
    const exact = own.find((name) => name.path === corrected);
    if (exact) return suggest('typo', exact);
    const close = nearest(leaf, own.filter((name) => groupOf(name.path) === groupGuess[0]), (name) => leafOf(name.path));
    if (close.length === 1) return suggest('typo', close[0]);
  }
  // The right name in the wrong group (`postal.helo_hostname`).
  const sameLeaf = moved(own);
  if (sameLeaf.length === 1) return suggest('wrong-group', sameLeaf[0]);
  // A typo inside a group this format has (`smtp_server.tls_enable`).
  if (ownGroups.has(group)) {
    const close = nearest(leaf, own.filter((name) => groupOf(name.path) === group), (name) => leafOf(name.path));
    if (close.length === 1) return suggest('typo', close[0]);
    if (close.length > 1) return { kind: 'ambiguous', candidates: close.map((name) => name.path) };
  }
  // The other format's name for a setting, in a group of its own (`postal.smtp_server_hostname`).
  const otherLeaf = moved(other).filter((name) => !own.some((mine) => mine.path === name.path));
  if (otherLeaf.length === 1) return suggest('wrong-group', { path: otherLeaf[0].target, target: otherLeaf[0].target });
  // A typo of a name from any group.
  const anywhere = nearestInAnyGroup(leaf, format, own);
  if (anywhere.length === 1) return suggest('typo', anywhere[0]);
  if (sameLeaf.length > 1 && sameLeaf.length <= 3 && ownGroups.has(group)) return { kind: 'ambiguous', candidates: sameLeaf.map((name) => name.path) };
  if (anywhere.length > 1 && anywhere.length <= 3) return { kind: 'ambiguous', candidates: anywhere.map((name) => name.path) };
  if (!ownGroups.has(group)) return { kind: 'unknown-group', group: group || path };
  return { kind: 'unknown' };
}

export interface ClassifiedKey {
  written: WrittenKey;
  classification: KeyClassification;
}

/** Every key written in the file with what Postal makes of it; empty when the file could not be read. */
export function classifyWrittenKeys(config: EffectiveConfig): ClassifiedKey[] {
  const format = config.format;
  if (format === null) return [];
  let classified = classifiedByConfig.get(config);
  if (!classified) {
    classified = config.writtenKeys().map((written) => ({ written, classification: classifyKey(written.path, format) }));
    classifiedByConfig.set(config, classified);
  }
  return classified;
}

/** Several checks ask about the same file: it is classified once. */
const classifiedByConfig = new WeakMap<EffectiveConfig, ClassifiedKey[]>();

/** Written keys Postal ignores that were most likely meant for `key` (e.g. `dns.smtp_server_hostname` in a v2 file for `postal.smtp_hostname`). */
export function misplacedKeysFor(config: EffectiveConfig, key: ConfigKey): WrittenKey[] {
  return classifyWrittenKeys(config)
    .filter(({ classification }) => 'target' in classification && classification.target === key)
    .map(({ written }) => written);
}

/** The path under which `key` is written in a file of this format (`postal.smtp_hostname` → `dns.smtp_server_hostname` in a legacy file). */
export function writtenPathFor(config: EffectiveConfig, key: ConfigKey): string | null {
  if (config.format === 1) return LEGACY_SOURCES[key] ?? null;
  return key;
}
