import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJunit } from '../../../src/reporters/junit.js';
import { HOSTILE, PLAIN, sampleReport } from '../../support/sample-report.js';

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const REFERENCE = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decode(raw: string): string {
  const unescaped = raw.replace(REFERENCE, '');
  assert.ok(!/[&<]/.test(unescaped), `raw & or < in ${JSON.stringify(raw)}`);
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return raw.replace(REFERENCE, (_, name: string) =>
    name.startsWith('#x') ? String.fromCodePoint(parseInt(name.slice(2), 16)) : name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : named[name]!,
  );
}

/** A strict little XML reader: balanced tags, quoted attributes, only known references; throws on anything else. */
function parseXml(xml: string): XmlElement {
  assert.ok(!/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.test(xml), 'character not allowed in XML 1.0');
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [root];
  while (token.lastIndex < body.length) {
    const at = token.lastIndex;
    const match = token.exec(body);
    assert.ok(match, `malformed XML at ${at}: ${JSON.stringify(body.slice(at, at + 40))}`);
    const [, closing, name, attributeText, selfClosing, text] = match;
    const parent = stack[stack.length - 1]!;
    if (text !== undefined) {
      parent.text += decode(text);
    } else if (closing) {
      assert.equal(name, parent.name, 'mismatched closing tag');
      stack.pop();
    } else {
      const attributes: Record<string, string> = {};
      for (const [, key, value] of (attributeText ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) {
        assert.ok(!(key! in attributes), `duplicate attribute ${key}`);
        attributes[key!] = decode(value!);
      }
      const element: XmlElement = { name: name!, attributes, children: [], text: '' };
      parent.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  assert.equal(stack.length, 1, 'unclosed element');
  assert.equal(root.children.length, 1, 'one root element');
  return root.children[0]!;
}

function descendants(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...descendants(child, name)]);
}

function testcase(root: XmlElement, classname: string, target: string): XmlElement {
  const found = descendants(root, 'testcase').find((element) => element.attributes.classname === classname && element.attributes.name === `${classname} ${target}`);
  assert.ok(found, `testcase ${classname} [${target}]`);
  return found;
}

test('JUnit output is well-formed with one suite per group and one test case per result', () => {
  const report = sampleReport();
  const root = parseXml(renderJunit(report, PLAIN));
  assert.equal(root.name, 'testsuites');
  const suites = root.children;
  assert.deepEqual(suites.map((suite) => suite.attributes.name), ['config', 'network', 'dns', 'tls', 'postal']);
  assert.equal(descendants(root, 'testcase').length, report.results.length);
  for (const suite of suites) {
    const cases = suite.children;
    assert.ok(cases.every((element) => element.name === 'testcase'));
    assert.equal(Number(suite.attributes.tests), cases.length, `tests of ${suite.attributes.name}`);
    assert.equal(Number(suite.attributes.failures), descendants(suite, 'failure').length, `failures of ${suite.attributes.name}`);
    assert.equal(Number(suite.attributes.errors), descendants(suite, 'error').length, `errors of ${suite.attributes.name}`);
    assert.equal(Number(suite.attributes.skipped), descendants(suite, 'skipped').length, `skipped of ${suite.attributes.name}`);
    assert.match(suite.attributes.time!, /^\d+\.\d{3}$/);
  }
  assert.deepEqual(
    { tests: root.attributes.tests, failures: root.attributes.failures, errors: root.attributes.errors, skipped: root.attributes.skipped, time: root.attributes.time },
    { tests: '11', failures: '1', errors: '1', skipped: '2', time: '1.234' },
  );
  assert.equal(root.attributes.timestamp, '2026-11-27T10:00:00');
});

test('a network suite counts the duration of a check with two targets once', () => {
  const root = parseXml(renderJunit(sampleReport(), PLAIN));
  const network = root.children.find((suite) => suite.attributes.name === 'network')!;
  assert.equal(network.attributes.time, '0.310');
});

test('each status maps to what GitLab and Jenkins expect', () => {
  const root = parseXml(renderJunit(sampleReport(), PLAIN));
  const fail = testcase(root, 'dns.fcrdns', '192.0.2.11');
  assert.deepEqual(fail.children.map((child) => [child.name, child.attributes.type]), [['failure', 'fail']]);
  assert.equal(fail.children[0]!.attributes.message, 'Reverse DNS of 192.0.2.11 does not point back');
  assert.equal(fail.attributes.time, '0.012');

  const unknown = testcase(root, 'network.outbound-25', '2001:db8::25');
  assert.deepEqual(unknown.children.map((child) => [child.name, child.attributes.type]), [['error', 'unknown']]);

  const warn = testcase(root, 'dns.spf', 'spf.example.com');
  assert.deepEqual(warn.children.map((child) => child.name), ['system-out'], 'a warning passes under --fail-on fail');
  assert.match(warn.children[0]!.text, /^WARNING: SPF of spf\.example\.com/);

  const skip = descendants(root, 'testcase').find((element) => element.attributes.classname === 'postal.containers')!;
  assert.equal(skip.attributes.name, 'postal.containers', 'the check id alone when there is no target');
  assert.deepEqual(skip.children.map((child) => [child.name, child.attributes.message]), [['skipped', 'docker is not installed on this host.']]);

  const pass = testcase(root, 'dns.ptr', '192.0.2.10');
  assert.deepEqual(pass.children.map((child) => [child.name, child.text]), [['system-out', 'Reverse DNS of 192.0.2.10 is set']], 'the title is in the output');
});

test('under --fail-on warn a warning is a failing test case of type warning', () => {
  const root = parseXml(renderJunit(sampleReport(), { ...PLAIN, failOn: 'warn' }));
  const warn = testcase(root, 'dns.spf', 'spf.example.com');
  assert.deepEqual(warn.children.map((child) => [child.name, child.attributes.type]), [['failure', 'warning']]);
  assert.equal(root.attributes.failures, '4');
  assert.equal(root.children.find((suite) => suite.attributes.name === 'config')!.attributes.failures, '2');
});

test('hostile text is escaped, survives a round trip, and the fix is in the failure body', () => {
  const xml = renderJunit(sampleReport(), PLAIN);
  assert.ok(!xml.includes('</failure><x>'), 'markup from a DNS answer is escaped');
  assert.ok(!xml.includes('\u001b'), 'control characters are removed');
  const root = parseXml(xml);
  const body = testcase(root, 'dns.fcrdns', '192.0.2.11').children[0]!.text;
  assert.ok(body.includes(HOSTILE), 'the message reads back as written');
  assert.match(body, /Fix: Make the A record of mta2\.example\.com include 192\.0\.2\.11\n  dig \+short A 'mta2\.example\.com'/);
  assert.ok(body.includes('  mta2.example.com. 3600 IN A 192.0.2.11'));
  const hostileCase = descendants(root, 'testcase').find((element) => element.attributes.name?.startsWith('config.unknown-keys postal.a'))!;
  assert.equal(hostileCase.attributes.classname, 'config.unknown-keys');
  assert.equal(hostileCase.attributes.name, 'config.unknown-keys postal.a"b\\c\nd|e|', 'line breaks in attributes are kept');
});

test('with --verbose a passing test case carries its message and evidence', () => {
  const root = parseXml(renderJunit(sampleReport(), { ...PLAIN, verbose: true }));
  const pass = testcase(root, 'dns.ptr', '192.0.2.10');
  assert.equal(pass.children[0]!.name, 'system-out');
  assert.match(pass.children[0]!.text, /PTR mta1\.example\.com\n\nEvidence:\n  PTR 10\.2\.0\.192\.in-addr\.arpa → \["mta1\.example\.com"\]/);
});
