import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { CATALOGUE, selectChecks } from '../../../src/core/catalogue.js';
import { UsageError } from '../../../src/util/errors.js';

/** The permanent ids, in report order. An id may be added; none may be renamed or removed. */
const PERMANENT_IDS = [
  'config.syntax', 'config.unknown-keys', 'config.hostnames', 'config.secrets', 'config.paths', 'config.app-smtp', 'config.env-overrides',
  'network.outbound-25', 'network.smtp-listen', 'network.alt-ports', 'network.pool-ips-bound',
  'dns.smtp-hostname', 'dns.web-hostname', 'dns.mx-records', 'dns.ptr', 'dns.fcrdns', 'dns.helo', 'dns.spf', 'dns.return-path',
  'dns.route-domain', 'dns.track-domain', 'dns.dnsbl',
  'tls.enabled', 'tls.files', 'tls.expiry', 'tls.chain', 'tls.san', 'tls.live',
  'postal.version', 'postal.containers', 'postal.helo-hostname', 'postal.restart-needed', 'postal.ip-pools',
];

const docs = new URL('../../../docs/checks/', import.meta.url);
const SECTIONS = ['## What it checks', '## Why it matters', '## How it is checked', '## How to fix'];

describe('check catalogue', () => {
  it('has every permanent id, in report order', () => {
    assert.deepEqual(
      CATALOGUE.map((check) => check.id),
      PERMANENT_IDS,
    );
  });

  it('names each check after its group and keeps its metadata complete', () => {
    for (const check of CATALOGUE) {
      assert.equal(check.id.split('.')[0], check.group, check.id);
      assert.ok(check.title.length > 0 && !check.title.includes('\n'), `${check.id} title`);
      assert.ok(Object.keys(check.messages).length > 0, `${check.id} messages`);
      for (const dependency of check.dependsOn ?? []) {
        const position = CATALOGUE.findIndex((other) => other.id === dependency);
        assert.ok(position >= 0 && position < CATALOGUE.indexOf(check), `${check.id} depends on ${dependency}, which must come first`);
      }
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

  it('selects by id and group, keeps --skip checks as skipped and pulls in dependencies', () => {
    const { checks, skipped } = selectChecks(['dns', 'tls.files'], ['dns.dnsbl']);
    assert.ok(checks.every((check) => check.group === 'dns' || check.id === 'tls.files' || checks.some((other) => other.dependsOn?.includes(check.id))));
    assert.ok(checks.some((check) => check.id === 'tls.files'));
    assert.ok(skipped.has('dns.dnsbl'));
    assert.throws(() => selectChecks(['dns.fcrnds'], []), UsageError);
    assert.throws(() => selectChecks([], ['nope']), UsageError);
  });
});
