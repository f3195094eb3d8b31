import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { CATALOGUE, loadChecks } from '../../../src/core/catalogue.js';
import { runChecks } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import type { ProbeName } from '../../../src/core/probe-access.js';
import type { DomainRow, Probes, TrackDomainRow } from '../../../src/probes/types.js';
import { createFileProbe } from '../../../src/probes/files.js';
import { testConfig } from '../../support/check-tester.js';

const CHECKS = await loadChecks(CATALOGUE);

const SAMPLE_ROOT = fileURLToPath(new URL('../../../examples/', import.meta.url));

const SAMPLE_DOMAIN: DomainRow = {
  id: 1, name: 'customer.example.com', dkimPrivateKey: null, dkimIdentifierString: 'ABCDEF', dnsCheckedAt: null,
  spfStatus: null, spfError: null, dkimStatus: null, dkimError: null, mxStatus: null, mxError: null, returnPathStatus: null, returnPathError: null,
  outgoing: true,
};
const SAMPLE_TRACK_DOMAIN: TrackDomainRow = { id: 1, domainId: 1, name: 'click', dnsCheckedAt: null, dnsStatus: null, dnsError: null, sslEnabled: true };

/** Probes that answer everything plausibly and record which of them were used. */
function recordingProbes(used: Set<ProbeName>): Probes {
  const note = <T>(name: ProbeName, value: T): T => (used.add(name), value);
  return {
    dns: {
      query: async (name, type) => note('dns', { query: `${type} ${name}`, status: 'nxdomain' }),
      queryServer: async (_server, name, type) => note('dns', { query: `${type} ${name}`, status: 'nxdomain' }),
    },
    tcp: { connect: async () => note('tcp', { outcome: 'refused', code: 'ECONNREFUSED', ms: 1 }) },
    smtp: {
      session: async (target) =>
        note('smtp', { host: target.host, port: target.port, banner: null, ehlo: [], starttlsOffered: false, tls: null, failure: { phase: 'connect', code: 'ECONNREFUSED', message: 'refused' }, timings: {} }),
    },
    http: {
      get: async (target) => note('http', { url: target.url, address: target.address ?? null, status: null, location: null, body: '', tls: null, failure: { code: 'ECONNREFUSED', message: 'refused' }, ms: 1 }),
    },
    // The sample deployment's files stand for /opt/postal/config, so the certificate checks go all the way.
    files: (() => {
      const real = createFileProbe(SAMPLE_ROOT);
      const inSample = (path: string) => path.replace(/^\/opt\/postal\/config\//, '/');
      return {
        stat: async (path: string) => note('files', await real.stat(inSample(path))),
        read: async (path: string, maxBytes?: number) => note('files', await real.read(inSample(path), maxBytes)),
        statfs: async () => note('files', await real.statfs('/')),
      };
    })(),
    commands: { run: async () => note('commands', { outcome: 'not-found', exitCode: null, stdout: '', stderr: '' }) },
    database: {
      domains: async () => note('database', { ok: true, domains: [SAMPLE_DOMAIN], trackDomains: [SAMPLE_TRACK_DOMAIN] }),
      ipPools: async () => note('database', { ok: true, addresses: [{ pool: 'main', ipv4: '203.0.113.10', ipv6: null, hostname: 'mta1.example.com', priority: 100 }] }),
      select: async (_settings, request) => note('database', { ok: true, results: request.statements.map(() => []) }),
    },
    host: { addresses: async () => note('host', [{ address: '203.0.113.10', family: 4, interface: 'eth0', internal: false }]) },
    trust: { roots: async () => note('trust', []) },
    clock: { now: () => note('clock', new Date('2026-11-27T10:00:00Z')) },
  };
}

const YAML = `version: 2
postal:
  smtp_hostname: mx.example.com
  web_hostname: web.example.com
  use_ip_pools: POOLS
  smtp_relays:
    - smtp://relay.example.com:25?ssl_mode=Auto
smtp_server:
  tls_enabled: true
dns:
  mx_records: [mx.example.com]
  helo_hostname: mx.example.com
`;

describe('probe declarations', () => {
  for (const pools of [true, false]) {
    for (const offline of [false, true]) {
      it(`every check uses only the probes it declares (pools ${pools ? 'on' : 'off'}${offline ? ', --offline' : ''})`, async () => {
        const used = new Map<string, Set<ProbeName>>();
        const undeclared: string[] = [];
        for (const check of CHECKS) {
          const probesUsed = new Set<ProbeName>();
          const { results } = await runChecks({
            checks: [check],
            skipped: new Set(),
            config: testConfig(YAML.replace('POOLS', String(pools))),
            options: { ...defaultRunOptions(), offline, timeoutMs: 500 },
            probes: recordingProbes(probesUsed),
          });
          undeclared.push(...results.filter((result) => /without declaring/.test(result.message)).map((result) => result.message));
          used.set(check.id, probesUsed);
        }
        assert.deepEqual(undeclared, []);
        if (offline) {
          const network: ProbeName[] = ['dns', 'tcp', 'smtp', 'database', 'http'];
          for (const [id, probes] of used) assert.deepEqual([...probes].filter((name) => network.includes(name)), [], `${id} reached the network under --offline`);
        }
      });
    }
  }
});
