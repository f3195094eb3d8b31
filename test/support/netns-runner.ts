/**
 * Runs checks with the doctor's real probes and prints their results as JSON. Tests start it inside a
 * network namespace (`ip netns exec <ns> node --import tsx test/support/netns-runner.ts '<json>'`),
 * so the probes see that namespace's addresses, routes and firewall.
 *
 * Input: { "checks": ["network.alt-ports"], "yaml": "<postal.yml>", "options": { …RunOptions } }
 */
import { loadConfigText } from '../../src/config/load.js';
import { defaultRunOptions } from '../../src/core/options.js';
import { runChecks } from '../../src/core/runner.js';
import { createProbes } from '../../src/probes/index.js';
import type { CheckDefinition, RunOptions } from '../../src/core/types.js';
import { outbound25 } from '../../src/checks/network/outbound-25.js';
import { smtpListen } from '../../src/checks/network/smtp-listen.js';
import { altPorts } from '../../src/checks/network/alt-ports.js';
import { appSmtp } from '../../src/checks/config/app-smtp.js';
import { internalPortsCheck } from '../../src/checks/network/internal-ports.js';

const CHECKS: CheckDefinition[] = [appSmtp, outbound25, smtpListen, altPorts, internalPortsCheck];

const input = JSON.parse(process.argv[2] ?? '{}') as { checks: string[]; yaml: string; options: Partial<RunOptions> };
const { config } = loadConfigText(input.yaml, { path: '/opt/postal/config/postal.yml', env: {} });
const options: RunOptions = { ...defaultRunOptions(), configPath: config.path, ...input.options };
const checks = CHECKS.filter((check) => input.checks.includes(check.id));
const { results } = await runChecks({ checks, skipped: new Set(), config, options, probes: createProbes(options) });
process.stdout.write(JSON.stringify(results));
