import type { FileInfo } from '../../probes/types.js';
import { sh } from '../../util/shell.js';

/** The Postal image runs as `postal`, uid and gid 999; files it reads must allow that user. */
export const POSTAL_UID = 999;
export const POSTAL_GID = 999;

/** The permission bits that apply to uid 999 (gid 999, no other groups), as the kernel picks them. */
export function postalAccessBits(info: FileInfo): number {
  if (info.uid === POSTAL_UID) return (info.mode >> 6) & 7;
  if (info.gid === POSTAL_GID) return (info.mode >> 3) & 7;
  return info.mode & 7;
}

/** Whether uid/gid 999 may read the file (ACLs aside). */
export function readableByPostal(info: FileInfo): boolean {
  return (postalAccessBits(info) & 4) !== 0;
}

/**
 * Commands that let the Postal containers read a file. A private file (a key, postal.yml) stays
 * unreadable for everyone else but root; a public one (a certificate) becomes readable for all.
 */
export function postalReadCommands(path: string, info: FileInfo, visibility: 'private' | 'public'): string[] {
  if (visibility === 'public') return [sh`chmod 644 ${path}`];
  if (info.uid === POSTAL_UID) return [sh`chmod 600 ${path}`];
  return [...(info.gid === POSTAL_GID ? [] : [sh`chgrp ${POSTAL_GID} ${path}`]), sh`chmod 640 ${path}`];
}
