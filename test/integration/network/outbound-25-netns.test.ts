import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, netnsSkipReason, type Lab } from '../../support/netns.js';
import type { Result } from '../../../src/core/types.js';

const skip = netnsSkipReason();
if (skip) console.log(`# skipping outbound-25 namespace tests: ${skip}`);

const YAML = 'version: 2\npostal:\n  smtp_hostname: postal.example.org\n';
/** Two sending IPs on this host, one pool IP that lives elsewhere; three fake remote MX hosts on port 25, as the big providers. */
const OPTIONS = { ips: ['192.0.2.1', '192.0.2.2', '192.0.2.99'], probeTargets: ['192.0.2.10', '192.0.2.11', '192.0.2.12'], timeoutMs: 500 };

const summary = (results: Result[]) => results.map(({ target, status, messageId }) => ({ target, status, messageId }));
const attempt = (result: Result) => result.evidence.find((entry) => entry.query.startsWith('TCP '))!.answer as { outcome: string; ms: number; banner?: string; code?: string };

describe('network.outbound-25 in network namespaces, with the real TCP probe', { skip }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab({ clientAddresses: ['192.0.2.1/24', '192.0.2.2/24'], remoteAddresses: ['192.0.2.10/24', '192.0.2.11/24', '192.0.2.12/24'] });
    await lab.remote.startGreeter('0.0.0.0', 25, '220 mx.test ESMTP');
  });
  after(async () => lab?.destroy());
  afterEach(async () => {
    await lab.client.must('iptables', ['-F', 'OUTPUT']);
  });

  const check = () => lab.client.doctor(['network.outbound-25'], YAML, OPTIONS);

  it('passes from both addresses when nothing blocks port 25, reading the banner', async () => {
    const results = await check();
    assert.deepEqual(summary(results), [
      { target: '192.0.2.1', status: 'pass', messageId: 'open' },
      { target: '192.0.2.2', status: 'pass', messageId: 'open' },
      { target: '192.0.2.99', status: 'skip', messageId: 'not-local' },
      { target: null, status: 'skip', messageId: 'no-family-ip' },
    ]);
    assert.equal(attempt(results[0]).banner, '220 mx.test ESMTP');
  });

  it('fails with a timeout when port 25 is dropped (a provider block)', async () => {
    await lab.client.must('iptables', ['-A', 'OUTPUT', '-p', 'tcp', '--dport', '25', '-j', 'DROP']);
    const started = Date.now();
    const results = await check();
    assert.deepEqual(summary(results).slice(0, 2), [
      { target: '192.0.2.1', status: 'fail', messageId: 'timeout' },
      { target: '192.0.2.2', status: 'fail', messageId: 'timeout' },
    ]);
    assert.equal(attempt(results[0]).outcome, 'timeout');
    assert.ok(attempt(results[0]).ms >= 450, `timed out after ${attempt(results[0]).ms} ms`);
    assert.equal(results[0].fix!.configChanges![0].path, 'postal.smtp_relays');
    // The two sources were probed at the same time, not one after the other.
    assert.ok(Date.now() - started < 5000);
  });

  it('fails with "refused" when a firewall rejects port 25', async () => {
    await lab.client.must('iptables', ['-A', 'OUTPUT', '-p', 'tcp', '--dport', '25', '-j', 'REJECT']);
    const results = await check();
    assert.deepEqual(summary(results).slice(0, 2), [
      { target: '192.0.2.1', status: 'fail', messageId: 'refused' },
      { target: '192.0.2.2', status: 'fail', messageId: 'refused' },
    ]);
    assert.equal(attempt(results[1]).code, 'ECONNREFUSED');
  });

  it('fails only the address whose port 25 is dropped', async () => {
    await lab.client.must('iptables', ['-A', 'OUTPUT', '-s', '192.0.2.2', '-p', 'tcp', '--dport', '25', '-j', 'DROP']);
    const results = await check();
    assert.deepEqual(summary(results).slice(0, 2), [
      { target: '192.0.2.1', status: 'pass', messageId: 'open' },
      { target: '192.0.2.2', status: 'fail', messageId: 'timeout' },
    ]);
  });

  it('one target that does not answer is not a block: a warning naming it, and "blocked" only when all of several time out', async () => {
    await lab.client.must('iptables', ['-A', 'OUTPUT', '-d', '192.0.2.12', '-p', 'tcp', '--dport', '25', '-j', 'DROP']);
    const alone = await lab.client.doctor(['network.outbound-25'], YAML, { ...OPTIONS, ips: ['192.0.2.1'], probeTargets: ['192.0.2.12'] });
    assert.deepEqual(summary(alone)[0], { target: '192.0.2.1', status: 'warn', messageId: 'single-target' });
    assert.equal(alone[0]!.title, 'Outbound port 25 from 192.0.2.1: the only probe target, 192.0.2.12, did not answer');
    assert.doesNotMatch(alone[0]!.title + alone[0]!.message, /Every probe target|is blocked from/);
    const several = await lab.client.doctor(['network.outbound-25'], YAML, { ...OPTIONS, ips: ['192.0.2.1'] });
    assert.deepEqual(summary(several)[0], { target: '192.0.2.1', status: 'warn', messageId: 'partial' });
    assert.match(several[0]!.message, /no answer from 192\.0\.2\.12: timed out/);
  });
});
