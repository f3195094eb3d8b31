import type { CheckContext, Evidence } from '../../core/types.js';
import { evidenceOf, failureText, lookup, recordsOf } from './lookups.js';

export interface DmarcPolicy {
  /** Where the record was found: `_dmarc.<domain>`, or of a parent domain (the organisational domain). */
  at: string;
  record: string;
  /** The policy that applies to this domain: `sp=` when the record is a parent's and has one, else `p=`. */
  policy: 'none' | 'quarantine' | 'reject';
  pct: number;
  strictSpf: boolean;
  strictDkim: boolean;
}

export type DmarcLookup =
  | { state: 'found'; dmarc: DmarcPolicy; evidence: Evidence[] }
  | { state: 'none'; evidence: Evidence[] }
  | { state: 'invalid'; at: string; problem: string; evidence: Evidence[] }
  | { state: 'failed'; failure: string; evidence: Evidence[] };

function tags(record: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of record.split(';')) {
    const match = /^\s*([a-z]+)\s*=\s*(.*?)\s*$/i.exec(part);
    if (match && !found.has(match[1].toLowerCase())) found.set(match[1].toLowerCase(), match[2]);
  }
  return found;
}

const POLICIES = ['none', 'quarantine', 'reject'] as const;

/**
 * The DMARC policy for `domain` (RFC 7489 §6.6.3): `_dmarc.<domain>`, else the same at each parent down to two
 * labels (the tree walk of the DMARC revision, which needs no public suffix list). Several DMARC records at one
 * name count as none there; a record without a valid `p=` is invalid.
 */
export async function dmarcPolicy(ctx: CheckContext, domain: string): Promise<DmarcLookup> {
  const labels = domain.split('.');
  const evidence: Evidence[] = [];
  for (let index = 0; index < labels.length - 1; index++) {
    const owner = labels.slice(index).join('.');
    const at = `_dmarc.${owner}`;
    const answer = await lookup(ctx, at, 'TXT');
    evidence.push(evidenceOf(answer));
    if (answer.status === 'error') return { state: 'failed', failure: failureText([answer]), evidence };
    const records = recordsOf(answer).filter((record) => /^v\s*=\s*DMARC1\s*(;|$)/.test(record));
    if (records.length !== 1) continue;
    const found = tags(records[0]);
    const inherited = index > 0 && found.has('sp');
    const policy = (inherited ? found.get('sp') : found.get('p'))?.toLowerCase();
    if (!POLICIES.includes(policy as DmarcPolicy['policy'])) return { state: 'invalid', at, problem: `${inherited ? 'sp' : 'p'}= is ${policy === undefined ? 'missing' : `"${policy}"`}, not none, quarantine or reject`, evidence };
    const pct = Number(found.get('pct') ?? '100');
    return {
      state: 'found',
      dmarc: {
        at,
        record: records[0],
        policy: policy as DmarcPolicy['policy'],
        pct: Number.isFinite(pct) ? pct : 100,
        strictSpf: found.get('aspf')?.toLowerCase() === 's',
        strictDkim: found.get('adkim')?.toLowerCase() === 's',
      },
      evidence,
    };
  }
  return { state: 'none', evidence };
}
