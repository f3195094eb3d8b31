import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { FIX_KINDS, GROUPS, STATUSES } from '../../../src/core/types.js';
import { renderJson, renderJsonChunks } from '../../../src/reporters/json.js';
import type { Report } from '../../../src/core/types.js';
import { HOSTILE, PLAIN, sampleReport } from '../../support/sample-report.js';

const schema = JSON.parse(readFileSync(new URL('../../../schema/report.v1.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function rendered(): Record<string, unknown> & { results: Array<Record<string, unknown>> } {
  return JSON.parse(renderJson(sampleReport(), PLAIN));
}

test('the JSON report validates against schema/report.v1.json', () => {
  const document = rendered();
  assert.ok(validate(document), JSON.stringify(validate.errors, null, 2));
});

test('the JSON report has the documented key order and keeps results in catalogue order', () => {
  const text = renderJson(sampleReport(), PLAIN);
  const document = JSON.parse(text);
  assert.deepEqual(Object.keys(document), ['schemaVersion', 'tool', 'startedAt', 'durationMs', 'config', 'outboundIps', 'summary', 'exitCode', 'results']);
  assert.deepEqual(Object.keys(document.results[0]), ['check', 'group', 'status', 'target', 'title', 'message', 'messageId', 'evidence', 'fix', 'durationMs']);
  assert.deepEqual(
    document.results.map((result: { check: string }) => result.check),
    sampleReport().results.map((result) => result.check),
  );
  assert.ok(text.endsWith('}\n'));
});

test('the JSON report keeps null targets, IPv6 targets, fixes and hostile text intact', () => {
  const { results } = rendered();
  assert.equal(results.find((result) => result.check === 'tls.enabled')?.target, null);
  assert.ok(results.some((result) => result.target === '2001:db8::25'));
  const fcrdns = results.find((result) => result.check === 'dns.fcrdns');
  assert.deepEqual(fcrdns?.evidence, [{ query: 'PTR 11.2.0.192.in-addr.arpa', answer: [HOSTILE] }]);
  assert.deepEqual((fcrdns?.fix as { records: string[] }).records[0], 'mta2.example.com. 3600 IN A 192.0.2.11');
  const moved = results.find((result) => result.target === 'postal.helo_hostname');
  assert.deepEqual((moved?.fix as { configChanges: unknown[] }).configChanges, [
    { path: 'postal.helo_hostname', from: 'mta.example.com' },
    { path: 'dns.helo_hostname', to: 'mta.example.com' },
  ]);
});

test('properties an in-memory report carries beyond the schema are not written', () => {
  const report = sampleReport();
  Object.assign(report.results[0]!, { internal: 'x' });
  const document = JSON.parse(renderJson(report, PLAIN));
  assert.equal('internal' in document.results[0], false);
  assert.ok(validate(document));
});

test('the schema rejects reports that break the contract', () => {
  const cases: Array<[string, (document: ReturnType<typeof rendered>) => void]> = [
    ['an unknown status', (document) => (document.results[0]!.status = 'error')],
    ['a result without messageId', (document) => delete document.results[0]!.messageId],
    ['an unknown group', (document) => (document.results[0]!.group = 'smtp')],
    ['an extra result field', (document) => (document.results[0]!.severity = 2)],
    ['a fix without commands', (document) => (document.results.find((result) => result.fix)!.fix = { summary: 'x' })],
    ['a target that is a number', (document) => (document.results[0]!.target = 25)],
    ['a missing summary count', (document) => delete (document.summary as Record<string, number>).unknown],
    ['a second schema version', (document) => (document.schemaVersion = 2)],
    ['a startedAt that is not UTC ISO 8601', (document) => (document.startedAt = 'yesterday')],
    ['an outbound IP from nowhere', (document) => ((document.outboundIps as Array<Record<string, unknown>>)[0]!.source = 'dns')],
  ];
  for (const [name, breakIt] of cases) {
    const document = rendered();
    breakIt(document);
    assert.equal(validate(document), false, `${name} was accepted`);
  }
});

test('the schema enums are the ones the code uses', () => {
  assert.deepEqual(schema.$defs.status.enum, [...STATUSES]);
  assert.deepEqual(schema.$defs.group.enum, [...GROUPS]);
  assert.deepEqual(schema.$defs.fix.properties.kind.enum, [...FIX_KINDS]);
});

test('a large report is written in pieces that make up exactly the one document JSON.stringify gives', () => {
  const many = Array.from({ length: 1000 }, (_, index) => ({ ...sampleReport().results[index % sampleReport().results.length]!, target: `198.18.${index >> 8}.${index & 255}` }));
  const withBaseline: Report = { ...sampleReport(many), baseline: { startedAt: '2026-11-26T10:00:00.000Z', new: 1, still: 2, gone: [sampleReport().results[0]!] } };
  for (const report of [withBaseline, sampleReport([])]) {
    const chunks = [...renderJsonChunks(report)];
    const text = chunks.join('');
    assert.equal(text, renderJson(report, PLAIN));
    assert.equal(text, `${JSON.stringify(JSON.parse(text), null, 2)}\n`, 'indented as JSON.stringify indents');
    assert.deepEqual(JSON.parse(text).results.map((result: { target: string }) => result.target), report.results.map((result) => result.target));
  }
  const chunks = [...renderJsonChunks(withBaseline)];
  assert.ok(chunks.length > 2, `${chunks.length} pieces`);
  // No piece holds the whole report: the biggest is a small part of it.
  assert.ok(Math.max(...chunks.map((chunk) => chunk.length)) < chunks.join('').length / 2);
  assert.ok(validate(JSON.parse(chunks.join(''))), JSON.stringify(validate.errors));
});
