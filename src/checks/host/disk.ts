import type { CheckDefinition, Finding } from '../../core/types.js';
import { threshold } from '../../core/thresholds.js';
import type { FilesystemUsage } from '../../probes/types.js';
import { storagePlaces, type StoragePlace } from '../../knowledge/host/storage.js';
import { sizeText } from '../../util/size.js';

const MIB = 1024 * 1024;

const percent = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 100);

export const diskCheck: CheckDefinition = {
  id: 'host.disk',
  group: 'host',
  order: 10,
  title: "Free space and inodes where Postal, Docker and MariaDB keep their data",
  targets: 'directory',
  probes: ['commands', 'files'],
  network: false,
  messages: {
    ok: { title: '{path}: {free} free ({percent} %)', message: 'The filesystem of {holds} has {free} of {size} free ({percent} %) and {inodes} % of its inodes free.' },
    low: {
      title: '{path}: only {free} free ({percent} %)',
      message: 'The filesystem of {holds} has {free} of {size} free ({percent} %, limit {limit}). When it fills, MariaDB stops writing and Postal stops accepting and sending mail.',
    },
    'low-inodes': {
      title: '{path}: only {inodes} % of inodes free',
      message: 'The filesystem of {holds} has {freeInodes} of {totalInodes} inodes free ({inodes} %, limit {limit} %): no new file can be created once they run out, whatever the free space.',
    },
    unreadable: { title: '{path}: could not be measured', message: 'statfs of {path} ({holds}) failed: {error}.' },
  },
  async run(ctx): Promise<Finding[]> {
    const warnPercent = threshold(ctx.options, 'disk.warn-percent');
    const failPercent = threshold(ctx.options, 'disk.fail-percent');
    const failBytes = threshold(ctx.options, 'disk.fail-mib') * MIB;
    const places = await storagePlaces(ctx);
    // Places on the same filesystem are reported once, together.
    const byDevice = new Map<number, { usage: FilesystemUsage; places: StoragePlace[] }>();
    const findings: Finding[] = [];
    for (const place of places) {
      const measured = await ctx.probes.files.statfs(place.path);
      if (!measured.ok) {
        if (measured.code !== 'ENOENT') findings.push({ target: place.path, status: 'unknown', messageId: 'unreadable', data: { path: place.path, holds: place.holds, error: measured.message } });
        continue;
      }
      const entry = byDevice.get(measured.value.device);
      if (entry) entry.places.push(place);
      else byDevice.set(measured.value.device, { usage: measured.value, places: [place] });
    }
    for (const { usage, places: together } of byDevice.values()) {
      const path = together[0].path;
      const holds = together.map((place) => place.holds).join(', ');
      const freePercent = percent(usage.availableBytes, usage.sizeBytes);
      const inodePercent = usage.inodes > 0 ? percent(usage.freeInodes, usage.inodes) : 100;
      const evidence = [{ query: `statfs ${together.map((place) => place.path).join(', ')}`, answer: usage }];
      const data = { path, holds, free: sizeText(usage.availableBytes), size: sizeText(usage.sizeBytes), percent: Math.floor(freePercent), inodes: Math.floor(inodePercent) };
      const spaceStatus = freePercent < failPercent || usage.availableBytes < failBytes ? 'fail' : freePercent < warnPercent ? 'warn' : 'pass';
      // Filesystems without a fixed inode count (btrfs, some tmpfs) report 0 inodes: nothing to judge.
      const inodeStatus = usage.inodes === 0 ? 'pass' : inodePercent < failPercent ? 'fail' : inodePercent < warnPercent ? 'warn' : 'pass';
      const fix = {
        kind: 'manual' as const,
        summary: `Free space on the filesystem of ${path}: see what Docker keeps and remove unused images, shorten the message retention of busy mail servers (each server's settings in the web interface), or grow the filesystem`,
        commands: ['docker system df', 'docker image prune'],
      };
      if (spaceStatus !== 'pass') {
        const limit = spaceStatus === 'fail' ? `${failPercent} % or ${sizeText(failBytes)}` : `${warnPercent} %`;
        findings.push({ target: path, status: spaceStatus, messageId: 'low', data: { ...data, limit }, evidence, fix });
      }
      if (inodeStatus !== 'pass') {
        findings.push({
          target: path,
          status: inodeStatus,
          messageId: 'low-inodes',
          data: { ...data, freeInodes: usage.freeInodes, totalInodes: usage.inodes, limit: inodeStatus === 'fail' ? failPercent : warnPercent },
          evidence,
          fix,
        });
      }
      if (spaceStatus === 'pass' && inodeStatus === 'pass') findings.push({ target: path, status: 'pass', messageId: 'ok', data, evidence });
    }
    return findings;
  },
};
