// Prints what `docker ps -a --format '{{json .}}'`, `docker inspect <names…>` and `docker exec <name> cat <file>`
// print (Docker 28 shapes), for the scenario in DOCKER_STUB_SCENARIO. Each call is appended to DOCKER_STUB_LOG when set.
import { appendFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (process.env.DOCKER_STUB_LOG) appendFileSync(process.env.DOCKER_STUB_LOG, `${JSON.stringify(args)}\n`);

const SOCKET_DOWN = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
const SOCKET_DENIED =
  'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: ' +
  'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.50/containers/json?all=1": dial unix /var/run/docker.sock: connect: permission denied';

const STARTED = '2026-11-27T09:00:00.123456789Z';
const IMAGE_ENV = [
  'PATH=/usr/local/bundle/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'RUBY_VERSION=3.4.7',
  'BUNDLE_PATH=/usr/local/bundle',
  'RAILS_ENV=production',
  'RAILS_LOG_TO_STDOUT=1',
  'POSTAL_CONFIG_FILE_PATH=/config/postal.yml',
];
/** What the 3.0.0–3.1.0 images baked into their environment. */
const OLD_IMAGE_ENV = [
  'POSTAL_SIGNING_KEY_PATH=/config/signing.key',
  'SMTP_SERVER_TLS_CERTIFICATE_PATH=/config/smtp.cert',
  'SMTP_SERVER_TLS_PRIVATE_KEY_PATH=/config/smtp.key',
];
const COMMANDS = { web: 'web-server', smtp: 'smtp-server', worker: 'worker' };

function container(service, replica, options = {}) {
  const separator = options.legacy ? '_' : '-';
  const name = options.name ?? `postal${separator}${service}${separator}${replica}`;
  const tag = options.tag ?? '3.3.4';
  const image = `ghcr.io/postalserver/postal:${tag}`;
  const status = options.status ?? 'running';
  const labels = options.labels ?? {
    'com.docker.compose.config-hash': 'd3b07384d113edec49eaa6238ad5ff00',
    'com.docker.compose.container-number': String(replica),
    'com.docker.compose.depends_on': '',
    'com.docker.compose.image': 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.project': 'postal',
    'com.docker.compose.project.config_files': '/opt/postal/install/docker-compose.yml',
    'com.docker.compose.project.working_dir': '/opt/postal/install',
    'com.docker.compose.service': service,
    'com.docker.compose.version': options.legacy ? '1.29.2' : '2.36.2',
  };
  const id = `${service}${replica}`.padEnd(12, '0').replace(/[^0-9a-f]/g, 'a').repeat(6).slice(0, 64);
  return {
    name,
    ps: {
      Command: `"/docker-entrypoint.sh postal ${COMMANDS[service] ?? service}"`,
      CreatedAt: '2026-11-20 08:00:00 +0000 UTC',
      ID: id,
      Image: image,
      // Podman's docker command prints the labels as an object and the names as a list.
      Labels: options.podman ? labels : Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(','),
      LocalVolumes: '0',
      Mounts: '/opt/postal/config',
      Names: options.podman ? [name] : name,
      Networks: 'host',
      Ports: '',
      RunningFor: '7 days ago',
      Size: '0B',
      State: status,
      Status: status === 'running' ? 'Up 2 hours' : status === 'restarting' ? 'Restarting (1) 3 seconds ago' : 'Exited (1) 2 hours ago',
    },
    inspect: {
      Id: id,
      Created: '2026-11-20T08:00:00.000000000Z',
      Path: '/docker-entrypoint.sh',
      Args: ['postal', COMMANDS[service] ?? service],
      State: {
        Status: status,
        Running: status === 'running' || status === 'restarting',
        Paused: false,
        Restarting: status === 'restarting',
        OOMKilled: false,
        Dead: false,
        Pid: status === 'running' ? 4242 : 0,
        ExitCode: options.exitCode ?? 0,
        Error: '',
        StartedAt: options.startedAt ?? STARTED,
        FinishedAt: options.finishedAt ?? '0001-01-01T00:00:00Z',
      },
      Image: 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
      ResolvConfPath: `/var/lib/docker/containers/${id}/resolv.conf`,
      HostnamePath: `/var/lib/docker/containers/${id}/hostname`,
      HostsPath: `/var/lib/docker/containers/${id}/hosts`,
      LogPath: `/var/lib/docker/containers/${id}/${id}-json.log`,
      Name: `/${name}`,
      RestartCount: options.restartCount ?? 0,
      Driver: 'overlay2',
      Platform: 'linux',
      MountLabel: '',
      ProcessLabel: '',
      AppArmorProfile: 'docker-default',
      HostConfig: {
        Binds: ['/opt/postal/config:/config:rw'],
        NetworkMode: 'host',
        RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        CapAdd: service === 'smtp' ? ['NET_BIND_SERVICE'] : null,
      },
      Mounts: [{ Type: 'bind', Source: '/opt/postal/config', Destination: '/config', Mode: 'rw', RW: true, Propagation: 'rprivate' }],
      Config: {
        Hostname: 'mail',
        Domainname: '',
        User: '',
        Env: [...(options.oldImage ? OLD_IMAGE_ENV : []), ...IMAGE_ENV, ...(options.env ?? [])],
        Cmd: ['postal', COMMANDS[service] ?? service],
        Image: image,
        WorkingDir: '/opt/postal/app',
        Entrypoint: ['/docker-entrypoint.sh'],
        Labels: labels,
      },
      NetworkSettings: { Networks: { host: { NetworkID: 'a1b2c3', EndpointID: '', Gateway: '', IPAddress: '' } } },
    },
    version: options.versionFile ?? `${tag}\n`,
  };
}

/** Containers on the same host that are not Postal's compose services and must be left out. */
const NEIGHBOURS = [
  container('mariadb', 1, { name: 'postal-mariadb', labels: {} }),
  container('caddy', 1, { name: 'postal-caddy', labels: {} }),
  container('runner', 1, {
    name: 'postal-runner-run-3f2a1b9c8d7e',
    status: 'exited',
    labels: { 'com.docker.compose.project': 'postal', 'com.docker.compose.service': 'runner', 'com.docker.compose.oneoff': 'True' },
  }),
];

const standard = (options = {}) => ['web', 'smtp', 'worker'].map((service) => container(service, 1, options[service] ?? {}));

const SCENARIOS = {
  running: () => [...standard(), ...NEIGHBOURS],
  scaled: () => [...standard(), container('worker', 2), ...NEIGHBOURS],
  'smtp-restarting': () => [...standard({ smtp: { status: 'restarting', restartCount: 14, exitCode: 1, finishedAt: '2026-11-27T10:59:58.5Z' } }), ...NEIGHBOURS],
  'mariadb-stopped': () => [...standard(), container('mariadb', 1, { name: 'postal-mariadb', labels: {}, status: 'exited', exitCode: 137 })],
  'worker-missing': () => standard().filter((entry) => !entry.name.includes('worker')),
  'config-changed': () => standard({ worker: { startedAt: '2026-11-20T08:00:01.5Z' } }),
  'env-helo': () =>
    standard({
      web: { env: ['MAIN_DB_PASSWORD=s3cret-in-env'] },
      smtp: { env: ['MAIN_DB_PASSWORD=s3cret-in-env', 'PORT=2525'] },
      worker: { env: ['MAIN_DB_PASSWORD=s3cret-in-env', 'DNS_HELO_HOSTNAME=relay.example.net'] },
    }),
  // Each service's own variables from DOCKER_STUB_ENV, a JSON object: {"worker": ["HEALTH_SERVER_PORT=9190"]}.
  'custom-env': () => {
    const env = JSON.parse(process.env.DOCKER_STUB_ENV ?? '{}');
    return [...standard({ web: { env: env.web }, smtp: { env: env.smtp }, worker: { env: env.worker } }), ...NEIGHBOURS];
  },
  'legacy-names': () => [
    container('web', 1, { legacy: true, tag: '3.0.1' }),
    container('smtp', 1, { legacy: true, tag: '3.0.1' }),
    container('worker', 1, { legacy: true, tag: '3.0.1' }),
    // docker-compose v1 without labels: found by its name alone.
    container('worker', 2, { legacy: true, tag: '3.0.1', labels: {} }),
  ],
  'image-paths': () => ['web', 'smtp', 'worker'].map((service) => container(service, 1, { tag: '3.0.1', oldImage: true })),
  floating: () => ['web', 'smtp', 'worker'].map((service) => container(service, 1, { tag: 'latest', versionFile: '3.3.6\n' })),
  podman: () => ['web', 'smtp', 'worker'].map((service) => container(service, 1, { podman: true })),
  'no-daemon': SOCKET_DOWN,
  'permission-denied': SOCKET_DENIED,
};

const scenario = SCENARIOS[process.env.DOCKER_STUB_SCENARIO ?? ''];
if (!scenario) {
  process.stderr.write(`docker stub: unknown scenario ${JSON.stringify(process.env.DOCKER_STUB_SCENARIO)}\n`);
  process.exit(125);
}
if (typeof scenario === 'string') {
  // The real client prints "[]" for inspect before the error.
  if (args[0] === 'inspect') process.stdout.write('[]\n');
  process.stderr.write(`${scenario}\n`);
  process.exit(1);
}

const containers = scenario();
const byName = new Map(containers.map((entry) => [entry.name, entry]));
const [verb, ...rest] = args;

if (verb === 'ps') {
  const all = rest.includes('-a') || rest.includes('--all');
  const format = rest[rest.indexOf('--format') + 1];
  if (format !== '{{json .}}' && format !== 'json') {
    process.stderr.write(`docker stub: unsupported ps format ${format}\n`);
    process.exit(125);
  }
  for (const entry of containers) if (all || entry.ps.State === 'running') process.stdout.write(`${JSON.stringify(entry.ps)}\n`);
  process.exit(0);
}

if (verb === 'inspect') {
  const names = rest.filter((arg) => !arg.startsWith('-'));
  const found = names.map((name) => byName.get(name)).filter(Boolean);
  process.stdout.write(`${JSON.stringify(found.map((entry) => entry.inspect), null, 4)}\n`);
  const missing = names.filter((name) => !byName.has(name));
  for (const name of missing) process.stderr.write(`Error: No such object: ${name}\n`);
  process.exit(missing.length > 0 ? 1 : 0);
}

if (verb === 'exec') {
  const [name, command, file] = rest;
  const entry = byName.get(name);
  if (!entry) {
    process.stderr.write(`Error response from daemon: No such container: ${name}\n`);
    process.exit(1);
  }
  if (entry.inspect.State.Status !== 'running') {
    process.stderr.write(`Error response from daemon: container ${entry.inspect.Id} is not running\n`);
    process.exit(1);
  }
  if (command === 'cat' && file === '/opt/postal/app/VERSION') {
    process.stdout.write(entry.version);
    process.exit(0);
  }
  process.stderr.write(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${command}": not handled by the stub\n`);
  process.exit(126);
}

process.stderr.write(`docker: '${verb}' is not a docker command handled by the stub.\n`);
process.exit(125);
