import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { createSmtpProbe } from '../../../src/probes/smtp.js';
import type { SmtpSession } from '../../../src/probes/types.js';
import { freePort } from '../../support/knot.js';
import { makePki, type TestPki } from '../../support/pki.js';
import { startRawServer, startRecordingSmtp, startSmtpServer, type TestSmtp } from '../../support/smtp.js';

const TIMEOUT_MS = 400;
/** How late after its deadline a session may end: scheduling noise, never a second timeout. */
const MARGIN_MS = 300;
const HELO = 'smtp.postal.example';

let pki: TestPki;
before(() => {
  pki = makePki();
});
after(() => pki.cleanup());

const probe = createSmtpProbe();

async function against(handle: (socket: Socket) => void): Promise<{ session: SmtpSession; ms: number }> {
  const server = await startRawServer(handle);
  try {
    const started = performance.now();
    const session = await probe.session({ host: '127.0.0.1', port: server.port, helo: HELO, timeoutMs: TIMEOUT_MS });
    return { session, ms: performance.now() - started };
  } finally {
    await server.close();
  }
}

describe('SMTP probe against hostile or broken peers', () => {
  it('a server that accepts and never speaks: banner timeout at the deadline', async () => {
    const { session, ms } = await against(() => undefined);
    assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'banner', code: 'ETIMEDOUT' });
    assert.ok(ms >= TIMEOUT_MS - 5 && ms < TIMEOUT_MS + MARGIN_MS, `ended after ${ms} ms`);
  });

  it('a megabyte without a newline: stops reading at the line limit, long before the deadline', async () => {
    const { session, ms } = await against((socket) => socket.write(Buffer.alloc(1024 * 1024, 'A')));
    assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'banner', code: 'LINE_TOO_LONG' });
    assert.ok(ms < TIMEOUT_MS, `ended after ${ms} ms`);
  });

  it('an endless multi-line reply: stops at the reply size limit', async () => {
    const { session } = await against((socket) => {
      socket.write('220 hello\r\n');
      socket.once('data', () => socket.write('250-this goes on\r\n'.repeat(8000)));
    });
    assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'ehlo', code: 'REPLY_TOO_LARGE' });
  });

  it('garbage after 220: a malformed reply to EHLO', async () => {
    const { session, ms } = await against((socket) => {
      socket.write('220 smtp.postal.example ESMTP\r\n');
      socket.once('data', () => socket.write('\x00\xff\x13 not smtp at all\r\n'));
    });
    assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'ehlo', code: 'BAD_REPLY' });
    assert.equal(session.banner, 'smtp.postal.example ESMTP');
    assert.ok(ms < TIMEOUT_MS + MARGIN_MS, `ended after ${ms} ms`);
  });

  it('a banner that is not 220', async () => {
    const { session } = await against((socket) => socket.end('554 go away\r\n'));
    assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'banner', code: 'SMTP_554' });
  });

  /** Speaks SMTP up to STARTTLS, answers 220, then does `after`. */
  const fakeStarttls = (afterReady: (socket: Socket) => void) => (socket: Socket) => {
    socket.write('220 smtp.postal.example ESMTP\r\n');
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      if (buffered.includes('EHLO') && !buffered.includes('STARTTLS')) {
        buffered = '';
        socket.write('250-smtp.postal.example\r\n250 STARTTLS\r\n');
      } else if (buffered.includes('STARTTLS')) {
        socket.removeAllListeners('data');
        socket.write('220 go ahead\r\n');
        afterReady(socket);
      }
    });
  };

  it('STARTTLS agreed, then plain text instead of TLS: the handshake fails', async () => {
    const { session, ms } = await against(fakeStarttls((socket) => setTimeout(() => socket.write('this is not TLS\r\n'.repeat(20)), 30)));
    assert.equal(session.starttlsOffered, true);
    assert.equal(session.failure?.phase, 'tls');
    assert.notEqual(session.failure?.code, 'ETIMEDOUT');
    assert.ok(ms < TIMEOUT_MS + MARGIN_MS, `ended after ${ms} ms`);
  });

  it('STARTTLS agreed together with plain text in the same packet: refused before any TLS', async () => {
    const { session } = await against((socket) => {
      socket.write('220 smtp.postal.example ESMTP\r\n');
      let step = 0;
      socket.on('data', () => {
        step += 1;
        socket.write(step === 1 ? '250-smtp.postal.example\r\n250 STARTTLS\r\n' : '220 go ahead\r\n250 injected\r\n');
      });
    });
    assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'starttls', code: 'PLAINTEXT_AFTER_STARTTLS' });
  });

  it('STARTTLS agreed, then silence: a TLS timeout at the deadline', async () => {
    const { session, ms } = await against(fakeStarttls(() => undefined));
    assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'tls', code: 'ETIMEDOUT' });
    assert.ok(ms >= TIMEOUT_MS - 5 && ms < TIMEOUT_MS + MARGIN_MS, `ended after ${ms} ms`);
  });

  it('a closed port: refused at connect', async () => {
    const port = await freePort();
    const session = await probe.session({ host: '127.0.0.1', port, helo: HELO, timeoutMs: TIMEOUT_MS });
    assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'connect', code: 'ECONNREFUSED' });
  });

  it('ends every failure with its own phase and code', async () => {
    const seen = new Set<string>();
    for (const handle of [() => undefined, (socket: Socket) => socket.write(Buffer.alloc(70_000, 'A')), fakeStarttls(() => undefined)]) {
      const { session } = await against(handle);
      seen.add(`${session.failure?.phase}/${session.failure?.code}`);
    }
    assert.equal(seen.size, 3);
  });
});

describe('SMTP probe against a real STARTTLS server', () => {
  let server: TestSmtp;
  before(async () => {
    server = await startSmtpServer({ name: HELO, key: pki.read('rsa.key'), cert: pki.read('chain.pem') });
  });
  after(() => server.close());

  it('reads banner and EHLO, completes TLS with SNI, records the chain and EHLO again', async () => {
    const session = await probe.session({ host: '127.0.0.1', port: server.port, servername: HELO, helo: HELO, timeoutMs: 3000, ca: [pki.rootPem] });
    assert.equal(session.failure, null);
    assert.match(session.banner ?? '', /^smtp\.postal\.example ESMTP/);
    assert.equal(session.starttlsOffered, true);
    assert.ok(session.tls);
    assert.equal(session.tls.authorized, true);
    assert.match(session.tls.protocol ?? '', /^TLSv1\.[23]$/);
    // leaf, intermediate, then the root the client trusts
    assert.equal(session.tls.chainPem.length, 3);
    assert.equal(session.tls.chainPem[0].trim(), pki.read('leaf.pem').trim());
    assert.ok(session.ehloAfterTls && !session.ehloAfterTls.some((line) => /STARTTLS/i.test(line)));
    for (const phase of ['connect', 'banner', 'ehlo', 'starttls', 'tls', 'ehlo-tls', 'total'] as const) assert.equal(typeof session.timings[phase], 'number', phase);
  });

  it('judges authorization against the roots it is given, and leaves names to the checks', async () => {
    const untrusted = await probe.session({ host: '127.0.0.1', port: server.port, servername: HELO, helo: HELO, timeoutMs: 3000 });
    assert.equal(untrusted.tls?.authorized, false);
    assert.ok(untrusted.tls?.authorizationError);
    // An IP target: no SNI, and the chain still verifies although the certificate names no IP.
    const byAddress = await probe.session({ host: '127.0.0.1', port: server.port, helo: HELO, timeoutMs: 3000, ca: [pki.rootPem] });
    assert.equal(byAddress.tls?.authorized, true);
  });
});

describe('what the probe says', () => {
  it('only EHLO, STARTTLS, EHLO and QUIT — never MAIL, RCPT or DATA — with the deployment name and SNI', async () => {
    const server = await startRecordingSmtp({ name: HELO, key: pki.read('rsa.key'), cert: pki.read('chain.pem') });
    try {
      const session = await probe.session({ host: '127.0.0.1', port: server.port, servername: HELO, helo: HELO, timeoutMs: 3000 });
      assert.equal(session.failure, null);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(server.transcripts, [[`EHLO ${HELO}`, 'STARTTLS', `EHLO ${HELO}`, 'QUIT']]);
      assert.deepEqual(server.servernames, [HELO]);
    } finally {
      await server.close();
    }
  });

  it('refuses to announce a name that could smuggle in a command', async () => {
    const server = await startRecordingSmtp({ name: HELO, key: pki.read('rsa.key'), cert: pki.read('chain.pem') });
    try {
      const session = await probe.session({ host: '127.0.0.1', port: server.port, helo: `${HELO}\r\nMAIL FROM:<a@example.com>`, timeoutMs: 3000 });
      assert.deepEqual({ phase: session.failure?.phase, code: session.failure?.code }, { phase: 'ehlo', code: 'INVALID_HELO' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(server.transcripts, []);
    } finally {
      await server.close();
    }
  });

  it('never sends an IP address as SNI', async () => {
    const server = await startRecordingSmtp({ name: HELO, key: pki.read('rsa.key'), cert: pki.read('chain.pem') });
    try {
      await probe.session({ host: '127.0.0.1', port: server.port, helo: HELO, timeoutMs: 3000 });
      assert.deepEqual(server.servernames, [false]);
    } finally {
      await server.close();
    }
  });

  it('says QUIT and nothing else when STARTTLS is not offered', async () => {
    const server = await startSmtpServer({ name: HELO, key: pki.read('rsa.key'), cert: pki.read('chain.pem'), noStarttls: true });
    const lines: string[] = [];
    // A recording relay in front of smtp-server: everything stays in clear without STARTTLS.
    const relay = await startRawServer((client) => {
      const upstream = connect(server.port, '127.0.0.1');
      upstream.on('error', () => client.destroy());
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => {
        lines.push(...chunk.toString().split('\r\n').filter(Boolean));
        upstream.write(chunk);
      });
      client.on('close', () => upstream.destroy());
    });
    try {
      const session = await probe.session({ host: '127.0.0.1', port: relay.port, helo: HELO, timeoutMs: 3000 });
      assert.equal(session.starttlsOffered, false);
      assert.equal(session.failure, null);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(lines, [`EHLO ${HELO}`, 'QUIT']);
    } finally {
      await relay.close();
      await server.close();
    }
  });
});
