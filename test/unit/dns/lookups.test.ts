import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { failureText } from '../../../src/knowledge/dns/lookups.js';

describe('failed lookups in messages', () => {
  it('names the resolver once for the questions that failed alike', () => {
    const timeout = (query: string) => ({ query, status: 'error' as const, code: 'timeout' as const, detail: 'no answer from 127.0.0.53 within 5000 ms' });
    const text = failureText([
      timeout('A rp.example.net'),
      { query: 'MX rp.example.net', status: 'nxdomain' },
      timeout('AAAA rp.example.net'),
      { query: 'TXT rp.example.net', status: 'error', code: 'refused', detail: 'EREFUSED from 127.0.0.53' },
    ]);
    assert.equal(text, 'A rp.example.net, AAAA rp.example.net: timeout (no answer from 127.0.0.53 within 5000 ms); TXT rp.example.net: refused (EREFUSED from 127.0.0.53)');
  });
});
