import { exitCodeFor, summarise } from '../../src/core/exit-code.js';
import type { Report, Result } from '../../src/core/types.js';
import type { ReporterOptions } from '../../src/reporters/index.js';

/** Text a DNS answer or a YAML key could carry, aimed at every output format at once. */
export const HOSTILE = `evil</failure><x> & "quotes" 'single' |pipes| \`ticks\` line one\nline two`;

/** A target with the characters Prometheus label values must escape. */
export const HOSTILE_TARGET = 'postal.a"b\\c\nd|e|';

export function sampleResult(fields: Partial<Result> & Pick<Result, 'check' | 'status'>): Result {
  return {
    group: fields.check.slice(0, fields.check.indexOf('.')) as Result['group'],
    target: null,
    title: `${fields.check} title`,
    message: `${fields.check} message`,
    messageId: 'sample',
    evidence: [],
    fix: null,
    durationMs: 5,
    ...fields,
  };
}

/** A report over every status, an IPv6 and a null target, full fixes and hostile strings, in catalogue order. */
export function sampleResults(): Result[] {
  return [
    sampleResult({
      check: 'config.syntax',
      status: 'pass',
      target: '/opt/postal/config/postal.yml',
      title: 'postal.yml is valid YAML',
      message: 'Parsed as a version 2 config.',
      messageId: 'valid',
      evidence: [{ query: 'read /opt/postal/config/postal.yml', answer: { bytes: 1834 } }],
    }),
    sampleResult({
      check: 'config.unknown-keys',
      status: 'warn',
      target: 'postal.helo_hostname',
      title: 'postal.helo_hostname is in the wrong group',
      message: 'Postal ignores postal.helo_hostname; the HELO name is dns.helo_hostname.',
      messageId: 'wrong-group',
      fix: {
        summary: 'Move the key to the dns group',
        commands: [],
        kind: 'config',
        configChanges: [
          { path: 'postal.helo_hostname', from: 'mta.example.com' },
          { path: 'dns.helo_hostname', to: 'mta.example.com' },
        ],
      },
    }),
    sampleResult({
      check: 'config.unknown-keys',
      status: 'warn',
      target: HOSTILE_TARGET,
      title: `Unknown key ${HOSTILE_TARGET}`,
      message: 'Postal ignores this key.',
      messageId: 'unknown',
    }),
    sampleResult({
      check: 'config.app-smtp',
      status: 'skip',
      target: null,
      title: 'Postal reaches its own SMTP server: skipped',
      message: 'Switched off with --skip.',
      messageId: 'runner.skipped',
      durationMs: 0,
    }),
    sampleResult({
      check: 'network.outbound-25',
      status: 'pass',
      target: '192.0.2.10',
      title: 'Port 25 is open outbound from 192.0.2.10',
      message: 'Reached 3 of 3 probe targets.',
      messageId: 'open',
      durationMs: 310,
    }),
    sampleResult({
      check: 'network.outbound-25',
      status: 'unknown',
      target: '2001:db8::25',
      title: 'Outbound port 25 from 2001:db8::25 could not be tested',
      message: 'The resolver did not answer for the probe targets.\nTried 2 resolvers.',
      messageId: 'resolver-down',
      durationMs: 310,
      evidence: [{ query: 'MX gmail.com', answer: { error: 'timeout' } }],
    }),
    sampleResult({
      check: 'dns.ptr',
      status: 'pass',
      target: '192.0.2.10',
      title: 'Reverse DNS of 192.0.2.10 is set',
      message: 'PTR mta1.example.com',
      messageId: 'present',
      evidence: [{ query: 'PTR 10.2.0.192.in-addr.arpa', answer: ['mta1.example.com'] }],
    }),
    sampleResult({
      check: 'dns.fcrdns',
      status: 'fail',
      target: '192.0.2.11',
      title: 'Reverse DNS of 192.0.2.11 does not point back',
      message: `PTR 192.0.2.11 -> ${HOSTILE}, but that name has no A record \u001b[31m`,
      messageId: 'mismatch',
      durationMs: 12,
      evidence: [{ query: 'PTR 11.2.0.192.in-addr.arpa', answer: [HOSTILE] }],
      fix: {
        summary: 'Make the A record of mta2.example.com include 192.0.2.11',
        commands: ["dig +short A 'mta2.example.com'", 'echo \'```\' | cat'],
        kind: 'dns',
        records: ['mta2.example.com. 3600 IN A 192.0.2.11', 'mta2.example.com. 3600 IN TXT "v=spf1 -all"'],
      },
    }),
    sampleResult({
      check: 'dns.spf',
      status: 'warn',
      target: 'spf.example.com',
      title: 'SPF of spf.example.com does not authorise 2001:db8::25',
      message: 'Mail sent over IPv6 will fail SPF at |strict| receivers.',
      messageId: 'missing-ip',
      fix: { summary: 'Add the IPv6 address', commands: [], kind: 'dns', records: ['spf.example.com. IN TXT "v=spf1 ip4:192.0.2.10 ip6:2001:db8::25 ~all"'] },
    }),
    sampleResult({
      check: 'tls.enabled',
      status: 'pass',
      target: null,
      title: 'STARTTLS is enabled',
      message: 'smtp_server.tls_enabled is true.',
      messageId: 'enabled',
    }),
    sampleResult({
      check: 'postal.containers',
      status: 'skip',
      target: null,
      title: 'Postal containers: skipped',
      message: 'docker is not installed on this host.',
      messageId: 'no-docker',
    }),
  ];
}

export function sampleReport(results: Result[] = sampleResults()): Report {
  const summary = summarise(results);
  return {
    schemaVersion: 1,
    tool: { name: 'postal-doctor', version: '1.0.0' },
    startedAt: '2026-11-27T10:00:00.000Z',
    durationMs: 1234,
    config: { path: '/opt/postal/config/postal.yml', format: 2 },
    outboundIps: [
      { ip: '192.0.2.10', source: 'db', hostname: 'mta1.example.com', pool: 'default' },
      { ip: '2001:db8::25', source: 'host', hostname: null, pool: null },
    ],
    summary,
    exitCode: exitCodeFor(results, 'fail'),
    results,
  };
}

export const PLAIN: ReporterOptions = { color: false, verbose: false, quiet: false, failOn: 'fail' };
