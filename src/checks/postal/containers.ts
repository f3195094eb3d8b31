import type { CheckDefinition, Finding } from '../../core/types.js';
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

function judge(container: PostalContainer): Finding {
  const base = { target: container.name, evidence: stateEvidence(container) };
  const data = { name: container.name, service: container.service, role: roleOf(container.service) };
  const logs = sh`docker logs --tail 100 ${container.name}`;
  if (container.restarting) {
    return {
      ...base,
      status: 'fail',
      messageId: 'restarting',
      data: { ...data, count: container.restartCount, exitCode: container.exitCode ?? 'unknown' },
      fix: { summary: `Read why ${container.name} keeps exiting (its last log lines), fix that, then start it again`, commands: [logs], kind: 'manual' },
    };
  }
  if (!container.running) {
    return {
      ...base,
      status: 'fail',
      messageId: 'stopped',
      data: { ...data, state: container.status, exitCode: container.exitCode ?? 'unknown' },
      fix: { summary: `Start ${container.name} (and read its log if it exited with an error)`, commands: [sh`docker start ${container.name}`], kind: 'restart' },
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
      message: '{name} ({role}) keeps exiting and Docker keeps restarting it: {count} restarts so far, last exit code {exitCode}.',
    },
    stopped: { title: '{name} is not running', message: '{name} ({role}) is {state} (exit code {exitCode}).' },
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
    const installed = installer.ok ? installer.containers.map((container) => judge({ ...container, service: container.name, replica: 1, separator: '-' })) : [];
    const services = [...new Set<string>([...REQUIRED_SERVICES, ...fact.containers.map((container) => container.service)])].sort((a, b) => serviceRank(a) - serviceRank(b));
    const compose = services.flatMap((service): Finding[] => {
      const members = containersOf(fact.containers, service);
      if (members.length > 0) return members.map(judge);
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
    });
    return [...compose, ...installed];
  },
};
