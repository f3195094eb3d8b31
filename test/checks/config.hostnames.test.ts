import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Result } from '../../src/core/types.js';
import { brief, runCheck } from '../support/check-tester.js';
import { configHostnames } from '../../src/checks/config/hostnames.js';
import { hostnameProblem } from '../../src/knowledge/hostnames.js';

const REAL = `version: 2
postal:
  smtp_hostname: mail.acme.net
  web_hostname: postal.acme.net
dns:
  helo_hostname: out.acme.net
  mx_records:
    - mx.mail.acme.net
  spf_include: spf.mail.acme.net
  return_path_domain: rp.mail.acme.net
  route_domain: routes.mail.acme.net
  track_domain: track.mail.acme.net
smtp:
  from_address: postal@acme.net
`;

const run = (yaml: string, env: Record<string, string> = {}) => runCheck(configHostnames, { yaml, env });
const byTarget = (results: Awaited<ReturnType<typeof run>>) => Object.fromEntries(results.map((result) => [result.target, result]));

describe('config.hostnames', () => {
  it('real names pass, one result per key', async () => {
    assert.deepEqual(
      brief(await run(REAL)),
      ['postal.smtp_hostname', 'postal.web_hostname', 'dns.helo_hostname', 'dns.mx_records', 'dns.spf_include', 'dns.return_path_domain', 'dns.route_domain', 'dns.track_domain', 'smtp.from_address'].map((target) => ({
        target,
        status: 'pass',
        messageId: 'ok',
      })),
    );
  });

  it("Postal's defaults: the server's own names fail, the DNS names warn; helo_hostname unset is not checked", async () => {
    const results = byTarget(await run('version: 2\n'));
    assert.deepEqual(brief([results['postal.smtp_hostname'], results['postal.web_hostname'], results['dns.mx_records'], results['smtp.from_address']]), [
      { target: 'postal.smtp_hostname', status: 'fail', messageId: 'placeholder' },
      { target: 'postal.web_hostname', status: 'fail', messageId: 'placeholder' },
      { target: 'dns.mx_records', status: 'warn', messageId: 'placeholder' },
      { target: 'smtp.from_address', status: 'warn', messageId: 'placeholder' },
    ]);
    assert.equal(results['dns.helo_hostname'], undefined);
    assert.match(results['postal.smtp_hostname'].message, /postal\.example\.com \(the default\) is Postal's built-in default/);
  });

  it("the installer's placeholders, with names derived from the real smtp_hostname as the fix", async () => {
    const results = byTarget(await run('version: 2\npostal:\n  smtp_hostname: mail.acme.net\ndns:\n  mx_records:\n    - mx.postal.yourdomain.com\n  spf_include: spf.postal.yourdomain.com\nsmtp:\n  from_address: postal@yourdomain.com\n'));
    assert.equal(results['dns.spf_include'].status, 'warn');
    assert.match(results['dns.spf_include'].message, /installer's placeholder \(postal bootstrap replaces postal\.yourdomain\.com only/);
    assert.deepEqual(results['dns.spf_include'].fix?.configChanges, [{ path: 'dns.spf_include', from: 'spf.postal.yourdomain.com', to: 'spf.mail.acme.net' }]);
    assert.deepEqual(results['dns.mx_records'].fix?.configChanges, [{ path: 'dns.mx_records', from: ['mx.postal.yourdomain.com'], to: ['mx.mail.acme.net'] }]);
    assert.deepEqual(results['smtp.from_address'].fix?.configChanges, [{ path: 'smtp.from_address', from: 'postal@yourdomain.com', to: 'postal@mail.acme.net' }]);
  });

  it('a value that cannot be known is a visible placeholder in the fix, never an example name', async () => {
    const results = byTarget(await run('version: 2\npostal:\n  smtp_hostname: postal.example.net\n  web_hostname: postal.example.net\ndns:\n  helo_hostname: postal.example.net\n  mx_records:\n    - mx.postal.example.net\n  spf_include: spf.postal.example.net\nsmtp:\n  from_address: postal@example.net\n'));
    const to = (key: string) => results[key]!.fix?.configChanges?.at(-1)?.to;
    assert.equal(to('postal.smtp_hostname'), '<your-hostname>');
    assert.equal(to('postal.web_hostname'), '<your-web-hostname>');
    assert.equal(to('dns.helo_hostname'), '<ptr-name-of-the-sending-ip>');
    assert.deepEqual(to('dns.mx_records'), ['mx.<your-hostname>']);
    assert.equal(to('dns.spf_include'), 'spf.<your-hostname>');
    assert.equal(to('smtp.from_address'), 'postal@<your-hostname>');
    for (const result of Object.values(results) as Result[]) {
      assert.ok(!JSON.stringify(result.fix?.configChanges?.map((change) => change.to) ?? []).includes('example.'), `${result.target}: no example name as the new value`);
    }
  });

  it('asked to drop https:// or a port, the fix is the bare name itself', async () => {
    for (const [written, bare] of [['https://Mail.Acme.net/', 'mail.acme.net'], ['mail.acme.net:25', 'mail.acme.net'], ['mail.acme.net.', 'mail.acme.net']]) {
      const [result] = await run(`version: 2\npostal:\n  smtp_hostname: "${written}"\n`);
      assert.deepEqual(result!.fix?.configChanges, [{ path: 'postal.smtp_hostname', from: written, to: bare }], written);
      assert.match(result!.fix!.summary, new RegExp(`^Write postal\\.smtp_hostname as the bare name ${bare.replaceAll('.', '\\.')}`));
    }
    const mx = byTarget(await run(REAL.replace('    - mx.mail.acme.net', '    - smtp://mx.mail.acme.net')))['dns.mx_records'];
    assert.deepEqual(mx!.fix?.configChanges?.[0]?.to, ['mx.mail.acme.net']);
  });

  it('a legacy file gets its fix under the legacy key names', async () => {
    const results = byTarget(await run('web:\n  host: postal.acme.net\ndns:\n  smtp_server_hostname: mail.acme.net\n  return_path: rp.postal.yourdomain.com\n'));
    assert.equal(results['postal.smtp_hostname'].status, 'pass');
    assert.deepEqual(results['dns.return_path_domain'].fix?.configChanges, [{ path: 'dns.return_path', from: 'rp.postal.yourdomain.com', to: 'rp.mail.acme.net' }]);
  });

  it('invalid names fail with the reason; localhost is a placeholder', async () => {
    const cases: Array<[string, RegExp]> = [
      ['https://mail.acme.net', /starts with https:\/\//],
      ['mail.acme.net:25', /contains a port/],
      ['mail_server.acme.net', /contains "_"/],
      ['192.0.2.25', /is an IP address/],
      ['mail', /not a fully qualified name/],
      ['mail.acme.net.', /ends with a dot/],
      ['mail.acme.net/smtp', /contains a path/],
      ['mail acme.net', /contains spaces/],
      ['-mail.acme.net', /starts or ends with "-"/],
    ];
    for (const [name, reason] of cases) {
      const [result] = await run(`version: 2\npostal:\n  smtp_hostname: "${name}"\n`);
      assert.deepEqual(brief([result]), [{ target: 'postal.smtp_hostname', status: 'fail', messageId: 'invalid' }], name);
      assert.match(result.message, reason, name);
    }
    const results = byTarget(await run(`${REAL}  `.replace('helo_hostname: out.acme.net', 'helo_hostname: localhost')));
    assert.deepEqual(brief([results['dns.helo_hostname']]), [{ target: 'dns.helo_hostname', status: 'fail', messageId: 'placeholder' }]);
  });

  it('an invalid MX entry fails, naming it; upper-case MX names warn', async () => {
    const invalid = byTarget(await run(REAL.replace('    - mx.mail.acme.net', '    - mx.mail.acme.net\n    - mx2.acme.net:25')))['dns.mx_records'];
    assert.deepEqual(brief([invalid]), [{ target: 'dns.mx_records', status: 'fail', messageId: 'invalid' }]);
    assert.match(invalid.message, /mx2\.acme\.net:25: it contains a port/);
    const upper = byTarget(await run(REAL.replace('mx.mail.acme.net', 'MX.Mail.acme.net')))['dns.mx_records'];
    assert.deepEqual(brief([upper]), [{ target: 'dns.mx_records', status: 'warn', messageId: 'mx-case' }]);
    assert.deepEqual(upper.fix?.configChanges, [{ path: 'dns.mx_records', from: ['MX.Mail.acme.net'], to: ['mx.mail.acme.net'] }]);
  });

  it('reserved example names are placeholders too', async () => {
    for (const name of ['mail.example.com', 'example.org', 'mail.example.net', 'postal.test', 'box.localdomain']) {
      const [result] = await run(`version: 2\npostal:\n  smtp_hostname: ${name}\n`);
      assert.deepEqual(brief([result]), [{ target: 'postal.smtp_hostname', status: 'fail', messageId: 'placeholder' }], name);
    }
  });

  it('a default caused by a misplaced key says so, and the fix moves the key', async () => {
    const results = byTarget(await run('version: 2\npostal:\n  web_hostname: postal.acme.net\ndns:\n  smtp_server_hostname: mail.acme.net\n'));
    const result = results['postal.smtp_hostname'];
    assert.deepEqual(brief([result]), [{ target: 'postal.smtp_hostname', status: 'fail', messageId: 'placeholder-misplaced' }]);
    assert.match(result.message, /dns\.smtp_server_hostname \(line 5\) is ignored by Postal/);
    assert.deepEqual(result.fix?.configChanges, [
      { path: 'dns.smtp_server_hostname', from: 'mail.acme.net' },
      { path: 'postal.smtp_hostname', to: 'mail.acme.net' },
    ]);
  });

  it('a name set by an environment variable: the fix says where to change it', async () => {
    const [result] = await run('version: 2\n', { POSTAL_SMTP_HOSTNAME: 'postal.example.com' });
    assert.equal(result.messageId, 'placeholder');
    assert.equal(result.fix?.kind, 'manual');
    assert.match(result.fix!.summary, /environment variable POSTAL_SMTP_HOSTNAME/);
  });

  it('hostnameProblem accepts valid names and punycode', () => {
    for (const name of ['mail.acme.net', 'xn--bcher-kva.example', 'a-b.c-d.net', 'MAIL.ACME.NET']) assert.equal(hostnameProblem(name), null, name);
    assert.match(hostnameProblem('bücher.acme.net')!, /non-ASCII/);
    assert.match(hostnameProblem(`${'a'.repeat(64)}.acme.net`)!, /longer than 63/);
    assert.match(hostnameProblem('postal@acme.net')!, /e-mail address/);
  });
});
