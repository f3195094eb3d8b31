import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webHttpsCheck } from '../../src/checks/web/https.js';
import type { HttpResponse, Probes } from '../../src/probes/types.js';
import { runCheck } from '../support/check-tester.js';
import { fakeDns } from '../support/fakes.js';
import { hostWith } from '../support/sending.js';

/** An HTTP probe that refuses every connection and notes the addresses it was asked to connect to. */
function refusingHttp(): Probes['http'] & { addresses: string[] } {
  const addresses: string[] = [];
  return {
    addresses,
    async get({ url, address }): Promise<HttpResponse> {
      addresses.push(address ?? '');
      return { url, address: address ?? null, status: null, location: null, body: '', tls: null, failure: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, ms: 1 };
    },
  };
}

/** A host that binds a sending pool of 64 addresses besides its own. */
const pool = Array.from({ length: 64 }, (_, index) => `198.51.100.${index + 1}`);
const host = hostWith('203.0.113.7', ...pool, '2001:db8::7');
const yaml = 'version: 2\npostal:\n  web_hostname: postal.example.com\n';

describe('web.https: where the web interface is tried', () => {
  it('asks only the addresses of this host that web_hostname resolves to', async () => {
    const http = refusingHttp();
    const dns = fakeDns({ 'A postal.example.com': ['198.51.100.9'], 'AAAA postal.example.com': ['2001:db8::7'] });
    await runCheck(webHttpsCheck, { yaml, probes: { http, dns, host, trust: { roots: async () => [] } } });
    assert.deepEqual([...new Set(http.addresses)].sort(), ['198.51.100.9', '2001:db8::7']);
  });

  it("asks the host's first IPv4 and IPv6 address when the name points elsewhere, never every pool address", async () => {
    const http = refusingHttp();
    const dns = fakeDns({ 'A postal.example.com': ['192.0.2.80'] });
    const results = await runCheck(webHttpsCheck, { yaml, probes: { http, dns, host, trust: { roots: async () => [] } } });
    assert.deepEqual([...new Set(http.addresses)].sort(), ['2001:db8::7', '203.0.113.7']);
    assert.deepEqual(
      results.map((result) => result.target),
      ['https://postal.example.com/ at 203.0.113.7', 'http://postal.example.com/ at 203.0.113.7', 'https://postal.example.com/ at 2001:db8::7', 'http://postal.example.com/ at 2001:db8::7'],
    );
  });
});
