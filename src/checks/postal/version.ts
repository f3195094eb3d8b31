import type { CheckContext, CheckDefinition, ConfigChange } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { BAKED_PATH_VARIABLES, compareVersions, postalVersion } from '../../knowledge/postal/version.js';
import { fileValue } from '../../knowledge/postal/config-files.js';
import type { ConfigKey } from '../../config/schema.js';
import { configuredRelays, RELAYS_BROKEN } from '../../knowledge/postal/relays.js';
import { postalListener } from '../../knowledge/postal/listeners.js';

interface KnownBug {
  /** First affected release and the release that fixed it. */
  from: string;
  fixedIn: string;
  /** Informational: worth knowing, nothing breaks in this config. */
  informational: boolean;
  /** Null when this config does not run into the bug; otherwise the sentence that explains it for this config. */
  affects(ctx: CheckContext): string | null;
  /** A change of postal.yml that avoids the bug without an upgrade. */
  workaround?(ctx: CheckContext): ConfigChange[];
}

function pathsOverriddenByImage(ctx: CheckContext): ConfigKey[] {
  return BAKED_PATH_VARIABLES.filter(({ key, value }) => {
    const written = fileValue(ctx.config, key);
    return written.written && written.text !== value;
  }).map(({ key }) => key);
}

const KNOWN_BUGS: KnownBug[] = [
  {
    from: '3.0.0',
    fixedIn: '3.1.1',
    informational: false,
    affects(ctx) {
      const keys = pathsOverriddenByImage(ctx);
      if (keys.length === 0) return null;
      return `the image sets ${BAKED_PATH_VARIABLES.map(({ variable }) => variable).join(', ')} in its environment, and the environment beats the file, so ${keys.join(', ')} from postal.yml ${keys.length === 1 ? 'is' : 'are'} ignored (fixed in 3.1.1, postal#2857)`;
    },
    workaround(ctx) {
      // Without the key, the file's path and the image's agree; the file must then be at the default place.
      return pathsOverriddenByImage(ctx).map((key) => ({ path: key, from: fileValue(ctx.config, key).text }));
    },
  },
  {
    from: '3.0.0',
    fixedIn: '3.0.2',
    informational: false,
    affects(ctx) {
      if (ctx.config.format !== 1) return null;
      if (ctx.config.writtenKeys().some((entry) => entry.path === 'smtp_server.bind_address')) return null;
      return 'with a legacy-format postal.yml that has no smtp_server.bind_address, the SMTP server listens on 127.0.0.1 only and receives no mail from outside (fixed in 3.0.2, postal#2845)';
    },
    workaround: () => [{ path: 'smtp_server.bind_address', to: '::' }],
  },
  {
    // lib/postal/config_schema.rb:230 at 3.0.2 (default "127.0.0.1"), :236 at 3.1.0 (default "::", commit d1e5b68).
    from: '3.0.0',
    fixedIn: '3.1.0',
    informational: false,
    affects(ctx) {
      if (ctx.config.format !== 2 || ctx.config.entry('smtp_server.default_bind_address').origin !== 'default') return null;
      // BIND_ADDRESS in the smtp container beats the default (app/lib/smtp_server/server.rb:73, the same at 3.0.0).
      if (postalListener(ctx, 'smtp').bindSetting.variable !== null) return null;
      return 'postal.yml does not set smtp_server.default_bind_address, whose default before 3.1.0 is 127.0.0.1: the SMTP server listens on loopback only and receives no mail from outside (fixed in 3.1.0, commit d1e5b68)';
    },
    workaround: () => [{ path: 'smtp_server.default_bind_address', to: '::' }],
  },
  {
    // app/senders/smtp_sender.rb:250 passes the port positionally to a keyword argument (fixed in 3.3.1, commit b3264b9).
    from: RELAYS_BROKEN.from,
    fixedIn: RELAYS_BROKEN.fixedIn,
    informational: true,
    affects: (ctx) => (configuredRelays(ctx.config).length > 0 ? 'postal.smtp_relays is set, and before 3.3.1 Postal fails on every relay (see network.smtp-relays)' : null),
  },
  {
    from: '3.0.0',
    fixedIn: '3.2.2',
    informational: false,
    affects(ctx) {
      if (!ctx.config.get('smtp_server.proxy_protocol')) return null;
      return 'smtp_server.proxy_protocol is on, and the SMTP server\'s PROXY protocol handling has a bug fixed in 3.2.2 (commit 9240612)';
    },
  },
  {
    // script/version.rb requires lib/postal/version.rb, which 3.3.2 removed (commit 07c6b31); fixed in 3.3.4 (commit 4fa88ac).
    from: '3.3.2',
    fixedIn: '3.3.4',
    informational: true,
    affects: () => '`postal version` fails with a LoadError on this release (fixed in 3.3.4); the image tag tells the version',
  },
];

function applies(bug: KnownBug, version: string): boolean {
  return compareVersions(version, bug.from) >= 0 && compareVersions(version, bug.fixedIn) < 0;
}

function sentenceList(items: string[]): string {
  return items.map((item, index) => `(${index + 1}) ${item}`).join('; ');
}

export const postalVersionCheck: CheckDefinition = {
  id: 'postal.version',
  group: 'postal',
  order: 10,
  title: 'The running Postal version and its known bugs that touch this config',
  targets: 'none',
  probes: ['files', 'commands'],
  network: false,
  messages: {
    version: { title: 'Postal {version}', message: 'Postal {version} (from the {source}); no known bug of this release touches this config.{notes}' },
    'known-bugs': {
      title: 'Postal {version} has known bugs that touch this config',
      message: 'Postal {version} (from the {source}): {bugs}.{notes}',
    },
    'floating-tag': {
      title: 'Postal runs the floating image tag {tag}',
      message: 'The {source} names the image tag {tag}, not a release, so the exact version is unknown and known bugs cannot be ruled out; the containers change version whenever the image is pulled again.{notes}',
    },
    undetermined: { title: 'Postal version: could not be determined', message: 'The running Postal version could not be found: {reason}.' },
  },
  async run(ctx) {
    const found = await postalVersion(ctx);
    const evidence = found.evidence;
    const mismatch = found.mismatch
      ? ` The compose file names ${found.mismatch.compose}, but ${found.mismatch.container} runs ${found.mismatch.running}: the containers were not recreated after the version was set.`
      : '';
    if (!found.version) {
      if (!found.tag) return [{ target: null, status: 'unknown', messageId: 'undetermined', data: { reason: found.reason ?? 'no source named it' }, evidence }];
      return [
        {
          target: null,
          status: 'warn',
          messageId: 'floating-tag',
          data: { tag: found.tag, source: found.source ?? 'compose file', notes: mismatch },
          evidence,
          fix: {
            // No command: the release to pin is the operator's choice, and a placeholder would not survive a paste.
            summary:
              'Pin a release: postal upgrade followed by the release you want (e.g. the newest at https://github.com/postalserver/postal/releases) sets it in the compose file, pulls it, migrates the database and recreates the containers',
            commands: [],
            kind: 'manual',
          },
        },
      ];
    }

    const version = found.version;
    const hits = KNOWN_BUGS.filter((bug) => applies(bug, version)).map((bug) => ({ bug, text: bug.affects(ctx) })).filter((hit) => hit.text !== null);
    const problems = hits.filter(({ bug }) => !bug.informational);
    const informational = hits.filter(({ bug }) => bug.informational).map(({ text }) => ` Note: ${text}.`).join('');
    const floating = found.tag && found.tag !== version ? ` The image tag is ${found.tag}, a floating tag: the release changes whenever the image is pulled again.` : '';
    const notes = `${mismatch}${floating}${informational}`;
    const source = found.source ?? 'compose file';
    if (problems.length === 0) {
      const recreate = found.mismatch && {
        summary: `Recreate the containers from the release the compose file names (postal upgrade pulls it, migrates the database and restarts)`,
        commands: [sh`postal upgrade ${found.mismatch.compose}`],
        kind: 'manual' as const,
      };
      return [{ target: null, status: recreate ? 'warn' : 'pass', messageId: 'version', data: { version, source, notes }, evidence, ...(recreate ? { fix: recreate } : {}) }];
    }

    const fixedIn = problems.map(({ bug }) => bug.fixedIn).reduce((latest, next) => (compareVersions(next, latest) > 0 ? next : latest));
    const workaround = problems.flatMap(({ bug }) => bug.workaround?.(ctx) ?? []);
    return [
      {
        target: null,
        status: 'warn',
        messageId: 'known-bugs',
        data: { version, source, bugs: sentenceList(problems.map(({ text }) => text!)), notes },
        evidence,
        fix: {
          summary: `Upgrade Postal to ${fixedIn} or later: postal upgrade pulls the latest release, migrates the database and recreates the containers${workaround.length > 0 ? '. Until then, the postal.yml change shown avoids the bug (keep the files at their default place in /opt/postal/config)' : ''}`,
          commands: ['postal upgrade'],
          kind: 'manual',
          ...(workaround.length > 0 ? { configChanges: workaround } : {}),
        },
      },
    ];
  },
};
