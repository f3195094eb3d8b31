import type { CheckContext, CheckDefinition, Finding } from '../../core/types.js';
import { containerLog } from '../../knowledge/postal/container-logs.js';
import { sh } from '../../util/shell.js';
import { containerNameFor, containersOf, INSTALLER_CONTAINERS, installerContainers, postalContainers, REQUIRED_SERVICES, serviceRank, type PostalContainer } from '../../knowledge/postal/containers.js';

/** Restarts by Docker's restart policy since the container was last started by hand; more means it keeps crashing. */
const RESTART_COUNT_WARNING = 3;

const ROLE: Record<string, string> = {
  web: 'the web interface and API',
  smtp: 'the SMTP server that receives mail',
  worker: 'the worker that sends outbound mail and processes the queue',
  cron: 'scheduled tasks (Postal 2)',
  requeuer: 'the requeuer (Postal 2)',
  ...INSTALLER_CONTAINERS,
};

function roleOf(service: string): string {
  return ROLE[service] ?? `the ${service} service`;
}

function stateEvidence(container: PostalContainer) {
  return [
    {
      query: `docker inspect ${container.name} State`,
      answer: {
        status: container.status,
        restarting: container.restarting,
        exitCode: container.exitCode,
        restartCount: container.restartCount,
        startedAt: container.startedAt?.toISOString() ?? null,
        finishedAt: container.finishedAt?.toISOString() ?? null,
        health: container.health,
        image: container.image,
      },
    },
  ];
}

/** Why a container stopped, from its last log lines: the known cause as a sentence, and the lines as evidence. */
async function exitEvidence(ctx: CheckContext, container: PostalContainer) {
  const log = await containerLog(ctx, container.name);
  const why = log.cause ? ` Its log says why: ${log.cause}.` : log.lines.length > 0 ? ' Its last log lines are in the evidence.' : '';
  return { log, why, evidence: [...stateEvidence(container), log.evidence] };
}

async function judge(ctx: CheckContext, container: PostalContainer): Promise<Finding> {
  const base = { target: container.name, evidence: stateEvidence(container) };
  const data = { name: container.name, service: container.service, role: roleOf(container.service) };
  const logs = sh`docker logs --tail 100 ${container.name}`;
  if (container.restarting) {
    const { log, why, evidence } = await exitEvidence(ctx, container);
    return {
      ...base,
      evidence,
      status: 'fail',
      messageId: 'restarting',
      data: { ...data, count: container.restartCount, exitCode: container.exitCode ?? 'unknown', why },
      fix: { summary: log.cause ? `Fix the cause (${log.cause}), then let ${container.name} start again` : `Read why ${container.name} keeps exiting (its last log lines), fix that, then start it again`, commands: [logs], kind: 'manual' },
    };
  }
  if (!container.running) {
    const { log, why, evidence } = await exitEvidence(ctx, container);
    const exitedBadly = container.exitCode !== null && container.exitCode !== 0;
    return {
      ...base,
      evidence,
      status: 'fail',
      messageId: 'stopped',
      data: { ...data, state: container.status, exitCode: container.exitCode ?? 'unknown', why: exitedBadly || log.cause ? why : '' },
      fix: log.cause
        ? { summary: `Fix the cause (${log.cause}), then start ${container.name}`, commands: [sh`docker start ${container.name}`], kind: 'manual' }
        : { summary: `Start ${container.name} (and read its log if it exited with an error)`, commands: [sh`docker start ${container.name}`], kind: 'restart' },
    };
  }
  if (container.health === 'unhealthy') {
    return {
      ...base,
      status: 'warn',
      messageId: 'unhealthy',
      data,
      fix: { summary: `Read what ${container.name}'s health check reports and its log`, commands: [sh`docker inspect --format '{{json .State.Health}}' ${container.name}`, logs], kind: 'manual' },
    };
  }
  if (container.restartCount >= RESTART_COUNT_WARNING) {
    return {
      ...base,
      status: 'warn',
      messageId: 'crashing',
      data: { ...data, count: container.restartCount },
      fix: { summary: `Read why ${container.name} exited before (its log)`, commands: [logs], kind: 'manual' },
    };
  }
  return { ...base, status: 'pass', messageId: 'running', data };
}

export const postalContainersCheck: CheckDefinition = {
  id: 'postal.containers',
  group: 'postal',
  order: 20,
  title: 'Postal web, smtp and worker containers (and the installer\'s database and proxy) are running',
  targets: 'container',
  probes: ['commands'],
  network: false,
  messages: {
    running: { title: '{name} is running', message: '{name} runs {role}.' },
    restarting: {
      title: '{name} is restarting in a loop',
      message: '{name} ({role}) keeps exiting and Docker keeps restarting it: {count} restarts so far, last exit code {exitCode}.{why}',
    },
    stopped: { title: '{name} is not running', message: '{name} ({role}) is {state} (exit code {exitCode}).{why}' },
    unhealthy: { title: '{name} is unhealthy', message: '{name} ({role}) runs, but its health check fails.' },
    crashing: {
      title: '{name} has crashed repeatedly',
      message: '{name} ({role}) runs now, but Docker has had to restart it {count} times since it was started.',
    },
    missing: {
      title: 'No Postal {service} container',
      message: 'Docker has no container for the {service} service ({role}); looked for {name} and the compose labels com.docker.compose.project=postal, com.docker.compose.service={service}.',
    },
    'no-docker': { title: 'Postal containers: could not be determined', message: 'Could not list the Postal containers: {reason}.' },
  },
  async run(ctx) {
    const fact = await postalContainers(ctx);
    if (!fact.ok) return [{ target: null, status: 'unknown', messageId: 'no-docker', data: { reason: fact.reason }, evidence: fact.evidence }];
    const installer = await installerContainers(ctx);
    const installed = installer.ok ? await Promise.all(installer.containers.map((container) => judge(ctx, { ...container, service: container.name, replica: 1, separator: '-' }))) : [];
    const services = [...new Set<string>([...REQUIRED_SERVICES, ...fact.containers.map((container) => container.service)])].sort((a, b) => serviceRank(a) - serviceRank(b));
    const findings = await Promise.all(services.map(async (service): Promise<Finding[]> => {
      const members = containersOf(fact.containers, service);
      if (members.length > 0) return Promise.all(members.map((container) => judge(ctx, container)));
      const name = containerNameFor(fact.containers, service);
      return [
        {
          target: name,
          status: 'fail',
          messageId: 'missing',
          data: { service, name, role: roleOf(service) },
          evidence: fact.evidence,
          fix: { summary: 'Create and start the Postal containers with the installer (it runs docker compose up -d)', commands: ['postal start'], kind: 'restart' },
        },
      ];
    }));
    return [...findings.flat(), ...installed];
  },
};
