import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createDnsProbe } from '../../../src/probes/dns.js';
import { createProbes } from '../../../src/probes/index.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { startRawServer } from '../../support/smtp.js';
import { cli } from '../../support/cli.js';

/**
 * A DNS server that answers every question NXDOMAIN after `delayMs` (or `delayFor` the question), and notes how
 * many it held at once, in all and from one client socket.
 */
async function startCountingDns(delayMs: number, delayFor: (query: Buffer) => number = () => delayMs) {
  const socket = createSocket('udp4');
  const seen = { received: 0, holding: 0, most: 0, mostFromOneSocket: 0 };
  const holdingBySocket = new Map<number, number>();
  socket.on('message', (query, client) => {
    seen.received++;
    seen.most = Math.max(seen.most, ++seen.holding);
    holdingBySocket.set(client.port, (holdingBySocket.get(client.port) ?? 0) + 1);
    seen.mostFromOneSocket = Math.max(seen.mostFromOneSocket, holdingBySocket.get(client.port)!);
    setTimeout(() => {
      seen.holding--;
      holdingBySocket.set(client.port, holdingBySocket.get(client.port)! - 1);
      const answer = Buffer.from(query);
      answer[2] |= 0x80; // QR: a response
      answer[3] = (answer[3] & 0xf0) | 3; // RCODE 3: NXDOMAIN
      socket.send(answer, client.port, client.address);
    }, delayFor(query));
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { seen, server: `127.0.0.1:${socket.address().port}`, stop: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

describe('--concurrency: what is in flight at once', () => {
  it('keeps at most that many DNS questions at the resolver, and asks the rest as answers come', async () => {
    const dns = await startCountingDns(100);
    try {
      const probe = createDnsProbe({ resolvers: [dns.server], dnsblResolvers: [], timeoutMs: 5000, maxInFlight: 3 });
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 9 }, (_, index) => probe.query(`q${index}.example.com`, 'A')));
      assert.ok(answers.every((answer) => answer.status === 'nxdomain'));
      assert.equal(dns.seen.received, 9);
      assert.ok(dns.seen.most <= 3, `${dns.seen.most} questions at once`);
      // Three rounds of three, each held 100 ms by the server.
      assert.ok(performance.now() - started >= 3 * 100 - 10);
    } finally {
      await dns.stop();
    }
  });

  it('spreads the questions in flight over sockets of at most 32 each, however the answers come back', async () => {
    // Questions named "slow…" are held 300 ms, the rest 10 ms: the first socket's answers come back first.
    const dns = await startCountingDns(10, (query) => (query.includes('slow') ? 300 : 10));
    try {
      const probe = createDnsProbe({ resolvers: [dns.server], dnsblResolvers: [], timeoutMs: 5000, maxInFlight: 256 });
      const ask = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => probe.query(`${prefix}${index}.example.com`, 'A'));
      const fast = ask('fast', 32);
      const slow = ask('slow', 32);
      await Promise.all(fast);
      const later = ask('slowlater', 32);
      const answers = await Promise.all([...slow, ...later]);
      assert.ok(answers.every((answer) => answer.status === 'nxdomain'));
      assert.equal(dns.seen.most, 64);
      assert.ok(dns.seen.mostFromOneSocket <= 32, `${dns.seen.mostFromOneSocket} questions in flight on one socket`);
    } finally {
      await dns.stop();
    }
  });

  it('asks a question once when --dnsbl-resolver names the same server as --resolver', async () => {
    const dns = await startCountingDns(10);
    try {
      const probe = createDnsProbe({ resolvers: [dns.server], dnsblResolvers: [dns.server], timeoutMs: 5000, maxInFlight: 3 });
      await Promise.all([probe.query('2.0.0.127.zen.example', 'A'), probe.query('2.0.0.127.zen.example', 'A', 'dnsbl')]);
      assert.equal(dns.seen.received, 1);
    } finally {
      await dns.stop();
    }
  });

  it('bounds each server on its own: a nameserver asked directly does not wait behind the resolver', async () => {
    const [resolver, nameserver] = await Promise.all([startCountingDns(100), startCountingDns(100)]);
    try {
      const probe = createDnsProbe({ resolvers: [resolver.server], dnsblResolvers: [], timeoutMs: 5000, maxInFlight: 3 });
      const started = performance.now();
      await Promise.all([
        ...Array.from({ length: 9 }, (_, index) => probe.query(`r${index}.example.com`, 'A')),
        ...Array.from({ length: 9 }, (_, index) => probe.queryServer(nameserver.server, `n${index}.example.com`, 'A')),
      ]);
      assert.deepEqual([resolver.seen.received, nameserver.seen.received], [9, 9]);
      assert.ok(resolver.seen.most <= 3 && nameserver.seen.most <= 3, `${resolver.seen.most} and ${nameserver.seen.most} questions at once`);
      // Both servers work at the same time: three rounds, not six.
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 3 * 100 - 10 && elapsed < 5 * 100, `${Math.round(elapsed)} ms`);
    } finally {
      await Promise.all([resolver.stop(), nameserver.stop()]);
    }
  });

  it('keeps at most that many TCP connections and SMTP sessions open together', async () => {
    let accepted = 0;
    const silent = await startRawServer(() => void accepted++);
    try {
      const probes = createProbes({ ...defaultRunOptions(), maxInFlight: 2 });
      const target = { host: '127.0.0.1', port: silent.port, timeoutMs: 200 };
      const started = performance.now();
      await Promise.all([
        ...Array.from({ length: 4 }, () => probes.tcp.connect({ ...target, readBanner: true })),
        ...Array.from({ length: 2 }, () => probes.smtp.session({ ...target, helo: 'postal.example.com' })),
      ]);
      assert.equal(accepted, 6);
      // Three rounds of two, each ending at its own time limit; all six at once would take one.
      assert.ok(performance.now() - started >= 3 * 200 - 10);
    } finally {
      await silent.close();
    }
  });

  it('--concurrency takes a whole number above zero', async () => {
    for (const value of ['0', 'many', '-4']) {
      const run = await cli(['check', '--offline', '--concurrency', value]);
      assert.equal(run.code, 2, value);
      assert.match(run.stderr, /--concurrency/);
    }
  });
});
