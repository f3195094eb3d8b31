import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPrometheus } from '../../../src/reporters/prometheus.js';
import { HOSTILE_TARGET, PLAIN, sampleReport, sampleResult } from '../../support/sample-report.js';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:\\\\[\\\\"n]|[^"\\\\\\n])*"';
const SAMPLE = new RegExp(`^(${NAME})(\\{${LABEL}(,${LABEL})*\\})? (-?\\d+(\\.\\d+)?(e[+-]?\\d+)?|NaN|[+-]Inf)$`);
const HELP = new RegExp(`^# HELP (${NAME}) (?:\\\\[\\\\n]|[^\\\\\\n])*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

function lines(output: string): string[] {
  assert.ok(output.endsWith('\n'), 'the textfile collector needs a final newline');
  return output.slice(0, -1).split('\n');
}

function samples(output: string, metric: string): string[] {
  return lines(output).filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `));
}

test('every line is valid exposition format, each family declared once before its samples, no series repeated', () => {
  const output = renderPrometheus(sampleReport(), PLAIN);
  const declared = new Set<string>();
  const series = new Set<string>();
  for (const line of lines(output)) {
    const help = HELP.exec(line);
    const type = TYPE.exec(line);
    const sample = SAMPLE.exec(line);
    assert.ok(help || type || sample, `not exposition format: ${JSON.stringify(line)}`);
    if (type) {
      assert.ok(!declared.has(type[1]!), `${type[1]} declared twice`);
      declared.add(type[1]!);
    }
    if (sample) {
      assert.ok(declared.has(sample[1]!), `${sample[1]} sampled before its TYPE`);
      const identity = line.slice(0, line.lastIndexOf(' '));
      assert.ok(!series.has(identity), `series repeated: ${identity}`);
      series.add(identity);
    }
  }
  assert.deepEqual([...declared], [
    'postal_doctor_check_status',
    'postal_doctor_results',
    'postal_doctor_run_duration_seconds',
    'postal_doctor_last_run_timestamp_seconds',
    'postal_doctor_exit_code',
    'postal_doctor_run_error',
  ]);
});

test('one series per check and target whose value is the status (no status label), with IPv6 and empty targets', () => {
  const output = renderPrometheus(sampleReport(), PLAIN);
  const status = samples(output, 'postal_doctor_check_status');
  assert.equal(status.length, sampleReport().results.length);
  assert.ok(status.includes('postal_doctor_check_status{check="dns.fcrdns",group="dns",target="192.0.2.11"} 2'));
  assert.ok(status.includes('postal_doctor_check_status{check="network.outbound-25",group="network",target="2001:db8::25"} 3'));
  assert.ok(status.includes('postal_doctor_check_status{check="dns.spf",group="dns",target="spf.example.com"} 1'));
  assert.ok(status.includes('postal_doctor_check_status{check="dns.ptr",group="dns",target="192.0.2.10"} 0'));
  assert.ok(status.includes('postal_doctor_check_status{check="postal.containers",group="postal",target=""} -1'));
});

test('label values escape backslash, double quote and newline', () => {
  const output = renderPrometheus(sampleReport(), PLAIN);
  assert.equal(HOSTILE_TARGET, 'postal.a"b\\c\nd|e|');
  assert.ok(output.includes('target="postal.a\\"b\\\\c\\nd|e|"'), output);
});

test('run totals, duration, finish time and exit code', () => {
  const output = renderPrometheus(sampleReport(), PLAIN);
  assert.deepEqual(samples(output, 'postal_doctor_results'), [
    'postal_doctor_results{status="pass"} 4',
    'postal_doctor_results{status="warn"} 3',
    'postal_doctor_results{status="fail"} 1',
    'postal_doctor_results{status="unknown"} 1',
    'postal_doctor_results{status="skip"} 2',
  ]);
  assert.deepEqual(samples(output, 'postal_doctor_run_duration_seconds'), ['postal_doctor_run_duration_seconds 1.234']);
  // 2026-11-27T10:00:00Z plus the run's 1.234 s.
  assert.deepEqual(samples(output, 'postal_doctor_last_run_timestamp_seconds'), ['postal_doctor_last_run_timestamp_seconds 1795773601.234']);
  assert.deepEqual(samples(output, 'postal_doctor_exit_code'), ['postal_doctor_exit_code 1']);
});

test('two results of one check for the same target become one series with the worse status', () => {
  const report = sampleReport([
    sampleResult({ check: 'tls.files', status: 'pass', target: '/etc/postal/smtp.cert' }),
    sampleResult({ check: 'tls.files', status: 'fail', target: '/etc/postal/smtp.cert' }),
    sampleResult({ check: 'tls.files', status: 'unknown', target: '/etc/postal/smtp.cert' }),
  ]);
  assert.deepEqual(samples(renderPrometheus(report, PLAIN), 'postal_doctor_check_status'), [
    'postal_doctor_check_status{check="tls.files",group="tls",target="/etc/postal/smtp.cert"} 2',
  ]);
});
