import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctor } from '../../../src/core/doctor.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { createFileProbe } from '../../../src/probes/files.js';
import { fakeDns, fakeProbes } from '../../support/fakes.js';
import { hostWith, poolRow, poolsDb, postalYaml } from '../../support/sending.js';

describe("the report's outbound IPs", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pd-doctor-'));
  const configPath = join(dir, 'postal.yml');
  writeFileSync(configPath, postalYaml({ pools: true }));

  async function report(only: string[]) {
    const database = poolsDb([poolRow('192.0.2.20', 'mta20.example.net')]);
    const probes = fakeProbes({
      dns: fakeDns({}),
      files: createFileProbe('/'),
      commands: { run: async () => ({ outcome: 'not-found', exitCode: null, stdout: '', stderr: '' }) },
      database,
      host: hostWith('192.0.2.10'),
    });
    const result = await doctor({ ...defaultRunOptions(), configPath, only }, probes);
    return { ips: result.outboundIps.map((entry) => entry.ip), databaseReads: database.calls };
  }

  it('are the IPs the checks looked at, read from the pools', async () => {
    assert.deepEqual(await report(['dns.ptr']), { ips: ['192.0.2.20'], databaseReads: 1 });
  });

  it('cost nothing when no check looked at IPs: no database connection for them', async () => {
    assert.deepEqual(await report(['config.syntax']), { ips: [], databaseReads: 0 });
  });
});
