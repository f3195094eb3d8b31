import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckDefinition, Result, RunOptions } from '../../../src/core/types.js';
import type { Probes, SmtpProbe } from '../../../src/probes/types.js';
import { runChecks } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { createSmtpProbe } from '../../../src/probes/smtp.js';
import { tlsLive } from '../../../src/checks/tls/live.js';
import { tlsSan } from '../../../src/checks/tls/san.js';
import { brief, testConfig } from '../../support/check-tester.js';
import { fakeDns, fakeProbes } from '../../support/fakes.js';
import { makePki, type PkiFile, type TestPki } from '../../support/pki.js';
import { fileProbes, tlsHost, tlsYaml } from '../../support/tls.js';
import { postfixMissing, startPostfix, startRawServer, startSmtpServer, type TestSmtp } from '../../support/smtp.js';

let pki: TestPki;
before(() => {
  pki = makePki();
});
after(() => pki.cleanup());

const SMTP = 'smtp.postal.example';
const MX1 = 'mx1.postal.example';
const MX2 = 'mx2.postal.example';


interface LiveCase {
  /** Certificate and key on disk. */
  file?: PkiFile;
  port: number;
  yaml?: string;
  options?: Partial<RunOptions>;
  dns?: Parameters<typeof fakeDns>[0];
  checks?: CheckDefinition[];
}

/** Runs tls.san and tls.live in one run, with the real SMTP probe and the names resolving to loopback; counts sessions per target. */
async function runLive(testCase: LiveCase): Promise<{ results: Result[]; sessions: Map<string, number>; ms: number }> {
  const host = tlsHost(pki, { cert: testCase.file ?? 'chain.pem', key: 'rsa.key' });
  const real = createSmtpProbe();
  const sessions = new Map<string, number>();
  const smtp: SmtpProbe = {
    session: (target) => {
      const key = `${target.servername ?? target.host}:${target.port}`;
      sessions.set(key, (sessions.get(key) ?? 0) + 1);
      return real.session(target);
    },
  };
  const dns = fakeDns(testCase.dns ?? { [`A ${SMTP}`]: ['127.0.0.1'], [`A ${MX1}`]: ['127.0.0.1'], [`A ${MX2}`]: ['127.0.0.1'] });
  const probes: Probes = fakeProbes({ ...fileProbes(pki, host), smtp, dns });
  const config = testConfig(testCase.yaml ?? tlsYaml(pki, { port: testCase.port }));
  const started = performance.now();
  try {
    const { results } = await runChecks({
      checks: testCase.checks ?? [tlsSan, tlsLive],
      skipped: new Set(),
      config,
      options: { ...defaultRunOptions(), configPath: config.path, timeoutMs: 3000, ...testCase.options },
      probes,
    });
    return { results, sessions, ms: performance.now() - started };
  } finally {
    host.cleanup();
  }
}

const of = (results: Result[], id: string) => brief(results.filter((result) => result.check === id));

async function serving(cert: PkiFile, options: { name?: string; noStarttls?: boolean } = {}): Promise<TestSmtp> {
  return startSmtpServer({ name: options.name ?? SMTP, key: pki.read('rsa.key'), cert: pki.read(cert), noStarttls: options.noStarttls });
}

describe('tls.live and tls.san against smtp-server with STARTTLS', () => {
  it('(a) serving the certificate on disk: every target passes, each probed once', async () => {
    const server = await serving('chain.pem');
    try {
      const { results, sessions } = await runLive({ port: server.port });
      const port = server.port;
      assert.deepEqual(of(results, 'tls.live'), [
        { target: `${SMTP}:${port}`, status: 'pass', messageId: 'ok' },
        { target: `${MX1}:${port}`, status: 'pass', messageId: 'ok' },
        { target: `${MX2}:${port}`, status: 'pass', messageId: 'ok' },
      ]);
      assert.deepEqual(of(results, 'tls.san'), [
        { target: SMTP, status: 'pass', messageId: 'covered' },
        { target: MX1, status: 'pass', messageId: 'covered' },
        { target: MX2, status: 'pass', messageId: 'covered' },
      ]);
      assert.deepEqual([...sessions.values()], [1, 1, 1]);
      const evidence = results.find((result) => result.check === 'tls.live')!.evidence.find((item) => item.query.startsWith('SMTP session'));
      assert.equal((evidence?.answer as { tls: { authorized: boolean } }).tls.authorized, true);
    } finally {
      await server.close();
    }
  });

  it('(b) serving an older certificate than the file: restart needed, with the restart command', async () => {
    const server = await serving('older-chain.pem');
    try {
      const { results } = await runLive({ port: server.port });
      const live = results.filter((result) => result.check === 'tls.live');
      assert.deepEqual(brief(live).map(({ status, messageId }) => ({ status, messageId })), Array(3).fill({ status: 'warn', messageId: 'stale-certificate' }));
      assert.deepEqual(live[0].fix?.commands, ['docker restart postal-smtp-1']);
      assert.equal(live[0].fix?.kind, 'restart');
    } finally {
      await server.close();
    }
  });

  it('(c) without STARTTLS: fails on every target', async () => {
    const server = await serving('chain.pem', { noStarttls: true });
    try {
      const { results } = await runLive({ port: server.port });
      assert.deepEqual(of(results, 'tls.live').map((result) => result.messageId), ['starttls-not-offered', 'starttls-not-offered', 'starttls-not-offered']);
      assert.ok(results.filter((result) => result.check === 'tls.live').every((result) => result.status === 'fail'));
    } finally {
      await server.close();
    }
  });

  it('(d) a certificate without the MX name: tls.live and tls.san both say which name', async () => {
    const server = await serving('no-mx2-chain.pem');
    try {
      const { results } = await runLive({ port: server.port, file: 'no-mx2-chain.pem' });
      assert.deepEqual(of(results, 'tls.live'), [
        { target: `${SMTP}:${server.port}`, status: 'pass', messageId: 'ok' },
        { target: `${MX1}:${server.port}`, status: 'pass', messageId: 'ok' },
        { target: `${MX2}:${server.port}`, status: 'warn', messageId: 'name-mismatch' },
      ]);
      assert.deepEqual(of(results, 'tls.san').at(-1), { target: MX2, status: 'warn', messageId: 'not-covered' });
    } finally {
      await server.close();
    }
  });

  it('a banner naming another host: tls.live warns and tls.san requires that name too', async () => {
    const server = await serving('chain.pem', { name: 'relay.postal.example' });
    try {
      const { results } = await runLive({ port: server.port });
      assert.deepEqual(of(results, 'tls.live').map((result) => result.messageId), ['banner-mismatch', 'banner-mismatch', 'banner-mismatch']);
      assert.deepEqual(of(results, 'tls.san'), [
        { target: SMTP, status: 'pass', messageId: 'covered' },
        { target: 'relay.postal.example', status: 'warn', messageId: 'not-covered' },
        { target: MX1, status: 'pass', messageId: 'covered' },
        { target: MX2, status: 'pass', messageId: 'covered' },
      ]);
      // Offline, the banner is not read and tls.live does not run.
      const offline = await runLive({ port: server.port, options: { offline: true } });
      assert.deepEqual(of(offline.results, 'tls.san').map((result) => result.target), [SMTP, MX1, MX2]);
      assert.deepEqual(of(offline.results, 'tls.live'), [{ target: null, status: 'skip', messageId: 'runner.offline' }]);
      assert.equal(offline.sessions.size, 0);
    } finally {
      await server.close();
    }
  });

  it('--smtp-target overrides the targets; an IP target gets no SNI and no name check', async () => {
    const server = await serving('no-mx2-chain.pem');
    try {
      const { results, sessions } = await runLive({ port: 25, file: 'no-mx2-chain.pem', options: { smtpTargets: [`127.0.0.1:${server.port}`] }, checks: [tlsLive] });
      assert.deepEqual(of(results, 'tls.live'), [{ target: `127.0.0.1:${server.port}`, status: 'pass', messageId: 'ok' }]);
      assert.deepEqual([...sessions.keys()], [`127.0.0.1:${server.port}`]);
    } finally {
      await server.close();
    }
  });

  it('a name that does not resolve is unknown, not a pass', async () => {
    const { results } = await runLive({ port: 25, dns: { [`A ${SMTP}`]: ['127.0.0.1'] }, options: { smtpTargets: [MX2] }, checks: [tlsLive] });
    assert.deepEqual(of(results, 'tls.live'), [{ target: `${MX2}:25`, status: 'unknown', messageId: 'unresolved' }]);
  });

  it('does not probe when smtp_hostname could not be announced in EHLO', async () => {
    const yaml = tlsYaml(pki, { smtpHostname: '"smtp host"' });
    const { results } = await runLive({ port: 25, yaml, options: { smtpTargets: ['127.0.0.1:1'] }, checks: [tlsLive] });
    assert.deepEqual(of(results, 'tls.live'), [{ target: '127.0.0.1:1', status: 'unknown', messageId: 'invalid-helo' }]);
  });

  it('skips the live probe when TLS is switched off', async () => {
    const { results, sessions } = await runLive({ port: 25, yaml: tlsYaml(pki, { tlsEnabled: false }), checks: [tlsLive] });
    assert.deepEqual(of(results, 'tls.live'), [{ target: null, status: 'skip', messageId: 'tls-off' }]);
    assert.equal(sessions.size, 0);
  });
});

describe('tls.live against hostile peers ends as a result, on time', () => {
  const TIMEOUT_MS = 300;
  const cases: Array<[string, Parameters<typeof startRawServer>[0], string, string]> = [
    ['silent', () => undefined, 'unknown', 'timeout'],
    ['garbage after 220', (socket) => (socket.write(`220 ${SMTP} ESMTP\r\n`), socket.once('data', () => socket.write('%%%%\r\n'))), 'fail', 'protocol-error'],
    [
      'plain text after agreeing to STARTTLS',
      (socket) => {
        socket.write(`220 ${SMTP} ESMTP\r\n`);
        let step = 0;
        socket.on('data', () => {
          step += 1;
          if (step === 1) socket.write(`250-${SMTP}\r\n250 STARTTLS\r\n`);
          if (step === 2) socket.write('220 go ahead\r\n', () => setTimeout(() => socket.write('no TLS here\r\n'.repeat(10)), 20));
        });
      },
      'fail',
      'handshake-failed',
    ],
  ];
  for (const [name, handle, status, messageId] of cases) {
    it(`${name}: ${status} ${messageId}`, async () => {
      const server = await startRawServer(handle);
      try {
        const { results, ms } = await runLive({ port: server.port, options: { timeoutMs: TIMEOUT_MS, smtpTargets: [SMTP] } });
        assert.deepEqual(of(results, 'tls.live'), [{ target: `${SMTP}:${server.port}`, status, messageId }]);
        assert.equal(of(results, 'tls.san').length, 3);
        assert.ok(ms < TIMEOUT_MS + 500, `run took ${ms} ms`);
      } finally {
        await server.close();
      }
    });
  }
});

describe('tls.live against Postfix', { skip: postfixMissing() ?? false }, () => {
  let postfix: TestSmtp;
  before(async () => {
    postfix = await startPostfix({ name: SMTP, keyFile: pki.path('rsa.key'), chainFile: pki.path('chain.pem') });
  });
  after(() => postfix?.close());

  it('passes when Postfix serves the certificate on disk', async () => {
    const { results } = await runLive({ port: postfix.port });
    assert.deepEqual(of(results, 'tls.live').map((result) => result.messageId), ['ok', 'ok', 'ok']);
  });

  it('says restart when the file holds a newer certificate than the one served', async () => {
    const { results } = await runLive({ port: postfix.port, file: 'older-chain.pem', options: { smtpTargets: [`${SMTP}:${postfix.port}`] } });
    assert.deepEqual(of(results, 'tls.live'), [{ target: `${SMTP}:${postfix.port}`, status: 'warn', messageId: 'stale-certificate' }]);
  });
});
