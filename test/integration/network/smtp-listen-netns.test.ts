import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, netnsSkipReason, type Lab } from '../../support/netns.js';
import { reverseName } from '../../../src/util/ip.js';
import type { Result } from '../../../src/core/types.js';

const skip = netnsSkipReason();
if (skip) console.log(`# skipping smtp-listen namespace tests: ${skip}`);

const yaml = (bind = '"::"') => `version: 2\npostal:\n  smtp_hostname: postal.test\nsmtp_server:\n  default_bind_address: ${bind}\n`;
const summary = (results: Result[]) => results.map(({ target, status, messageId }) => ({ target, status, messageId }));

describe('network.smtp-listen in a network namespace, with the real TCP and DNS probes', { skip }, () => {
  const labs: Lab[] = [];
  afterEach(async () => {
    while (labs.length > 0) await labs.pop()!.destroy();
  });

  /** This host has 192.0.2.1 and 2001:db8::1; the remote namespace serves their PTR records. */
  async function host(ptr: Record<string, string>): Promise<Lab> {
    const lab = await createLab({ clientAddresses: ['192.0.2.1/24', '2001:db8::1/64'], remoteAddresses: ['192.0.2.10/24'] });
    labs.push(lab);
    await lab.remote.startPtrServer('192.0.2.10', ptr);
    return lab;
  }
  const check = (lab: Lab, bind?: string) => lab.client.doctor(['network.smtp-listen'], yaml(bind), { resolvers: ['192.0.2.10'], timeoutMs: 1000 });

  it("reads Postal's banner on both families and compares each address's PTR with smtp_hostname", async () => {
    const lab = await host({ [reverseName('192.0.2.1')]: 'postal.test', [reverseName('2001:db8::1')]: 'host-1.provider.test' });
    await lab.client.startGreeter('::', 25, '220 postal.test ESMTP Postal/QW3RTY');
    const results = await check(lab);
    assert.deepEqual(summary(results), [
      { target: '192.0.2.1:25', status: 'pass', messageId: 'ok' },
      { target: '[2001:db8::1]:25', status: 'warn', messageId: 'ptr-mismatch' },
    ]);
    assert.deepEqual(results[1].fix!.records, [`${reverseName('2001:db8::1')}. 3600 IN PTR postal.test.`]);
  });

  it('finds a server that listens on IPv4 only while Postal should accept on both, and a stale banner', async () => {
    const lab = await host({ [reverseName('192.0.2.1')]: 'postal.test' });
    await lab.client.startGreeter('0.0.0.0', 25, '220 old-name.test ESMTP Postal/QW3RTY');
    const results = await check(lab);
    assert.deepEqual(summary(results), [
      { target: '192.0.2.1:25', status: 'fail', messageId: 'banner-mismatch' },
      { target: '[2001:db8::1]:25', status: 'fail', messageId: 'refused' },
    ]);
    const ipv4Only = await check(lab, '0.0.0.0');
    assert.deepEqual(summary(ipv4Only)[1], { target: '[2001:db8::1]:25', status: 'skip', messageId: 'ipv4-only' });
  });
});
