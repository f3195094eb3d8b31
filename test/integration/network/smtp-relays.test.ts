import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { smtpRelaysCheck } from '../../../src/checks/network/smtp-relays.js';
import { createSmtpProbe } from '../../../src/probes/smtp.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { hostWith, poolRow, poolsDb } from '../../support/sending.js';
import { installedVersion } from '../../support/installed-version.js';
import { fakeDns } from '../../support/fakes.js';

/** A self-signed certificate for `names` (DNS and IP SANs), made with openssl. */
function selfSigned(dir: string, name: string, sans: string): { key: string; cert: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${sans}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`)], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
}

interface Relay {
  port: number;
  /** The addresses sessions came from, and whether any MAIL, RCPT or DATA ever arrived. */
  peers: string[];
  transactions: number;
  /** Lines clients sent before any TLS (in clear). */
  clearLines: string[];
  close(): Promise<void>;
}

/** A real smtp-server relay on loopback: STARTTLS offered or not, or TLS from the first byte; it accepts no mail. */
async function startRelay(tls: { key: string; cert: string }, mode: 'starttls' | 'plain' | 'implicit'): Promise<Relay> {
  const relay = { peers: [] as string[], transactions: 0, clearLines: [] as string[] };
  const refuse = (callback: (error?: Error) => void) => {
    relay.transactions++;
    callback(Object.assign(new Error('test relay accepts no mail'), { responseCode: 550 }));
  };
  const server = new SMTPServer({
    name: 'relay.test',
    key: tls.key,
    cert: tls.cert,
    secure: mode === 'implicit',
    hideSTARTTLS: mode === 'plain',
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    disableReverseLookup: true,
    onConnect(session, callback) {
      relay.peers.push(session.remoteAddress.replace(/^::ffff:/, ''));
      callback();
    },
    onMailFrom: (_address, _session, callback) => refuse(callback),
    onRcptTo: (_address, _session, callback) => refuse(callback),
    onData: (stream, _session, callback) => (stream.resume(), refuse(callback)),
  });
  if (mode !== 'implicit') server.server.on('connection', (socket) => socket.on('data', (chunk: Buffer) => relay.clearLines.push(...chunk.toString('latin1').split('\r\n').filter((line) => /^[A-Z]{4}/.test(line)))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return Object.assign(relay, { port: address.port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

function yaml(relays: string[]): string {
  return ['version: 2', 'postal:', '  smtp_hostname: postal.example.net', '  use_ip_pools: true', '  smtp_relays:', ...relays.map((relay) => `    - ${relay}`), 'dns:', '  helo_hostname: mta.example.net', ''].join('\n');
}

describe('network.smtp-relays against real smtp-server relays on loopback', () => {
  let dir: string;
  let trusted: { key: string; cert: string };
  let untrusted: { key: string; cert: string };
  let starttls: Relay;
  let plain: Relay;
  let implicit: Relay;
  let badCert: Relay;
  let badImplicit: Relay;
  const relays: Relay[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pd-relay-'));
    trusted = selfSigned(dir, 'trusted', 'DNS:localhost,IP:127.0.0.1');
    untrusted = selfSigned(dir, 'untrusted', 'DNS:localhost,IP:127.0.0.1');
    starttls = await startRelay(trusted, 'starttls');
    plain = await startRelay(trusted, 'plain');
    implicit = await startRelay(trusted, 'implicit');
    badCert = await startRelay(untrusted, 'starttls');
    badImplicit = await startRelay(untrusted, 'implicit');
    relays.push(starttls, plain, implicit, badCert, badImplicit);
  });
  after(async () => {
    await Promise.all(relays.map((relay) => relay.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** The check for these relay URLs, Postal `version`, sending from pool address 127.0.0.2 and the default route. */
  const check = (urls: string[], version = '3.3.6', dns = fakeDns({})) =>
    runCheck(smtpRelaysCheck, {
      yaml: yaml(urls),
      probes: {
        dns,
        smtp: createSmtpProbe(),
        trust: { roots: async () => [trusted.cert] },
        database: poolsDb([poolRow('127.0.0.2', 'mta2.example.net')]),
        host: hostWith(),
        ...installedVersion(version),
      },
      options: { timeoutMs: 3000 },
    });
  const url = (relay: Relay, mode: string) => `smtp://127.0.0.1:${relay.port}?ssl_mode=${mode}`;
  const at = (relay: Relay, from = '127.0.0.2') => `127.0.0.1:${relay.port} from ${from}`;

  it('Auto: STARTTLS when offered, any certificate; plain text when not offered is a warning', async () => {
    const results = await check([url(starttls, 'Auto'), url(badCert, 'Auto'), url(plain, 'Auto')]);
    assert.deepEqual(brief(results), [
      { target: at(starttls), status: 'pass', messageId: 'works-tls' },
      { target: at(starttls, 'the default route'), status: 'pass', messageId: 'works-tls' },
      { target: at(badCert), status: 'pass', messageId: 'works-tls' },
      { target: at(badCert, 'the default route'), status: 'pass', messageId: 'works-tls' },
      { target: at(plain), status: 'warn', messageId: 'auto-plaintext' },
      { target: at(plain, 'the default route'), status: 'warn', messageId: 'auto-plaintext' },
    ]);
    // Postal binds the pool address: the relay saw it.
    assert.ok(starttls.peers.includes('127.0.0.2'), starttls.peers.join(', '));
  });

  it('STARTLS (Postal 3\'s spelling): STARTTLS required and the certificate verified', async () => {
    const results = await check([url(starttls, 'STARTLS'), url(plain, 'STARTLS'), url(badCert, 'STARTLS')]);
    assert.deepEqual(brief(results).filter((result) => result.target?.endsWith('127.0.0.2')), [
      { target: at(starttls), status: 'pass', messageId: 'works-tls' },
      { target: at(plain), status: 'fail', messageId: 'no-starttls' },
      { target: at(badCert), status: 'fail', messageId: 'unverified' },
    ]);
  });

  it('TLS: implicit TLS, verified; a plain-text port fails the handshake', async () => {
    const results = await check([url(implicit, 'TLS'), url(badImplicit, 'TLS'), url(plain, 'TLS')]);
    assert.deepEqual(brief(results).filter((result) => result.target?.endsWith('127.0.0.2')), [
      { target: at(implicit), status: 'pass', messageId: 'works-tls' },
      { target: at(badImplicit), status: 'fail', messageId: 'unverified' },
      { target: at(plain), status: 'fail', messageId: 'tls-failed' },
    ]);
  });

  it('None: no TLS, even when the relay offers it', async () => {
    const before = starttls.clearLines.length;
    const results = await check([url(starttls, 'None')]);
    assert.deepEqual(brief(results)[0], { target: at(starttls), status: 'pass', messageId: 'works-plain' });
    assert.ok(!starttls.clearLines.slice(before).includes('STARTTLS'));
  });

  it('STARTTLS (Postal 2\'s spelling), an empty mode and a lower-case one mean no TLS: fail, with the line rewritten to STARTLS/Auto', async () => {
    const written = [url(starttls, 'STARTTLS'), url(plain, ''), url(plain, 'auto')];
    const results = await check(written);
    const configFindings = brief(results).filter((result) => !result.target?.includes(' from '));
    assert.deepEqual(configFindings, [
      { target: written[0], status: 'fail', messageId: 'starttls-spelling' },
      { target: written[1], status: 'fail', messageId: 'empty-mode' },
      { target: written[2], status: 'fail', messageId: 'unknown-mode' },
    ]);
    const fix = results[0].fix;
    assert.deepEqual(fix?.configChanges?.[0].to, [url(starttls, 'STARTLS'), url(plain, 'Auto'), url(plain, 'auto')]);
    for (const result of results) for (const change of result.fix?.configChanges ?? []) assert.doesNotMatch(JSON.stringify(change.to), /ssl_mode=STARTTLS/);
    // The session is what Postal would do with them: no STARTTLS.
    assert.deepEqual(brief(results).find((result) => result.target === at(starttls)), { target: at(starttls), status: 'pass', messageId: 'works-plain' });
  });

  it('names credentials (redacted) and host-less entries; relays do not work at all in 3.0.0-3.3.0', async () => {
    const withCredentials = `smtp://apikey:s3cr3t-relay-pw@127.0.0.1:${starttls.port}?ssl_mode=Auto`;
    const results = await check([withCredentials, 'smtp://:25'], '3.3.0');
    assert.deepEqual(brief(results).slice(0, 3), [
      { target: null, status: 'fail', messageId: 'broken-version' },
      { target: `smtp://[redacted]@127.0.0.1:${starttls.port}?ssl_mode=Auto`, status: 'warn', messageId: 'credentials' },
      { target: 'smtp://:25', status: 'warn', messageId: 'no-host' },
    ]);
    assert.match(results[0].message, /Postal 3\.0\.0 to 3\.3\.0 fails on every relay/);
    assert.doesNotMatch(JSON.stringify(results), /s3cr3t-relay-pw|apikey/);
    const fixed = await check([url(starttls, 'Auto')], '3.3.1');
    assert.ok(!fixed.some((result) => result.messageId === 'broken-version'));
  });

  it('never sends mail: every session ends after EHLO/STARTTLS with QUIT', async () => {
    await check([url(plain, 'Auto')]);
    assert.equal(relays.reduce((sum, relay) => sum + relay.transactions, 0), 0);
    assert.ok(plain.clearLines.includes('QUIT'));
    assert.ok(!plain.clearLines.some((line) => /^(MAIL|RCPT|DATA|AUTH)/.test(line)));
  });

  it('a relay named by host name is resolved through the doctor\'s resolver, and a verifying mode checks the certificate against that name', async () => {
    const dns = fakeDns({ 'A relay.example.net': ['127.0.0.1'] });
    const named = (mode: string) => `smtp://relay.example.net:${starttls.port}?ssl_mode=${mode}`;
    const target = `relay.example.net:${starttls.port} from 127.0.0.2`;
    const auto = await check([named('Auto')], '3.3.6', dns);
    assert.deepEqual(brief(auto)[0], { target, status: 'pass', messageId: 'works-tls' });
    const verified = await check([named('STARTLS')], '3.3.6', dns);
    assert.deepEqual(brief(verified)[0], { target, status: 'fail', messageId: 'unverified' });
    assert.match(verified[0].message, /the certificate is not valid for relay\.example\.net/);
    const unresolved = await check([named('Auto')], '3.3.6', fakeDns({ 'A relay.example.net': { error: 'timeout' } }));
    assert.deepEqual(brief(unresolved)[0], { target, status: 'unknown', messageId: 'lookup-failed' });
  });

  it('a relay that nobody listens on is unreachable', async () => {
    const results = await check(['smtp://127.0.0.1:1?ssl_mode=Auto']);
    assert.deepEqual(brief(results)[0], { target: '127.0.0.1:1 from 127.0.0.2', status: 'fail', messageId: 'unreachable' });
  });
});
