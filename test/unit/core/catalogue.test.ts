import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CATALOGUE, loadChecks, selectChecks } from '../../../src/core/catalogue.js';
import { GROUPS } from '../../../src/core/types.js';
import { UsageError } from '../../../src/util/errors.js';

/** The permanent ids, in report order. An id may be added; none may be renamed or removed. */
const PERMANENT_IDS = [
  'config.syntax', 'config.unknown-keys', 'config.hostnames', 'config.secrets', 'config.paths', 'config.app-smtp', 'config.env-overrides',
  'host.disk',
  'network.outbound-25', 'network.smtp-listen', 'network.alt-ports', 'network.pool-ips-bound', 'network.internal-ports',
  'dns.smtp-hostname', 'dns.web-hostname', 'dns.mx-records', 'dns.ptr', 'dns.fcrdns', 'dns.helo', 'dns.spf', 'dns.return-path',
  'dns.route-domain', 'dns.track-domain', 'dns.dnsbl',
  'tls.enabled', 'tls.files', 'tls.expiry', 'tls.chain', 'tls.san', 'tls.live',
  'web.https',
  'postal.version', 'postal.containers', 'postal.helo-hostname', 'postal.restart-needed', 'postal.ip-pools',
  'postal.databases', 'postal.queue', 'postal.health', 'postal.scheduler', 'postal.message-databases',
  'domains.spf', 'domains.dkim', 'domains.mx', 'domains.return-path', 'domains.dmarc', 'domains.track-domains',
];

const docs = new URL('../../../docs/checks/', import.meta.url);
const SECTIONS = ['## What it checks', '## Why it matters', '## How it is checked', '## How to fix'];

describe('check catalogue', () => {
  it('keeps every permanent id: none renamed or removed, each in its group', () => {
    const ids = CATALOGUE.map((check) => check.id);
    assert.deepEqual(PERMANENT_IDS.filter((id) => !ids.includes(id)), []);
    assert.equal(new Set(ids).size, ids.length, 'an id is used twice');
  });

  it('lists the checks by group, then by their order within the group', () => {
    const groups = CATALOGUE.map((check) => GROUPS.indexOf(check.group));
    assert.deepEqual(groups, [...groups].sort((a, b) => a - b));
    for (const group of GROUPS) {
      const orders = CATALOGUE.filter((check) => check.group === group).map((check) => check.order);
      assert.equal(new Set(orders).size, orders.length, `two ${group} checks share an order`);
    }
    assert.deepEqual(
      CATALOGUE.filter((check) => PERMANENT_IDS.includes(check.id)).map((check) => check.id),
      PERMANENT_IDS,
    );
  });

  it('is generated from the check files (scripts/catalogue.mjs --check)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../../scripts/catalogue.mjs', import.meta.url)), '--check'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('names each check after its group and keeps its metadata complete', async () => {
    const definitions = await loadChecks(CATALOGUE);
    for (const [index, check] of definitions.entries()) {
      const entry = CATALOGUE[index]!;
      const fields = ['id', 'group', 'order', 'title', 'targets'] as const;
      assert.deepEqual(fields.map((field) => entry[field]), fields.map((field) => check[field]), `${check.id}: the catalogue's copy of its metadata`);
      assert.equal(check.id.split('.')[0], check.group, check.id);
      assert.ok(check.title.length > 0 && !check.title.includes('\n'), `${check.id} title`);
      assert.ok(Object.keys(check.messages).length > 0, `${check.id} messages`);
    }
  });

  it('has one explain page per check, titled with its id and with the four sections in order', () => {
    for (const check of CATALOGUE) {
      const page = new URL(`${check.id}.md`, docs);
      assert.ok(existsSync(page), `docs/checks/${check.id}.md is missing`);
      const text = readFileSync(page, 'utf8');
      assert.ok(text.startsWith(`# ${check.id}\n`), `${check.id}: the page must start with "# ${check.id}"`);
      const positions = SECTIONS.map((section) => text.indexOf(`\n${section}\n`));
      assert.ok(positions.every((position) => position > 0), `${check.id}: needs sections ${SECTIONS.join(', ')}`);
      assert.deepEqual([...positions].sort((a, b) => a - b), positions, `${check.id}: sections out of order`);
    }
    const pages = readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => name.slice(0, -3));
    assert.deepEqual(pages.filter((page) => !CATALOGUE.some((check) => check.id === page)), [], 'pages without a check');
  });

  it('selects by id and group and keeps --skip checks as skipped', () => {
    const { checks, skipped } = selectChecks(['dns', 'tls.files'], ['dns.dnsbl']);
    assert.ok(checks.every((check) => check.group === 'dns' || check.id === 'tls.files'));
    assert.ok(checks.some((check) => check.id === 'tls.files'));
    assert.ok(skipped.has('dns.dnsbl'));
    assert.throws(() => selectChecks(['dns.fcrnds'], []), UsageError);
    assert.throws(() => selectChecks([], ['nope']), UsageError);
  });
});
