import { open, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileErrorCode, FileInfo, FileProbe, FileResult, FilesystemUsage } from './types.js';

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

function failure(error: unknown): { ok: false; code: FileErrorCode; message: string } {
  const code = (error as NodeJS.ErrnoException).code;
  const known: FileErrorCode[] = ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR'];
  const mapped = known.includes(code as FileErrorCode) ? (code as FileErrorCode) : 'OTHER';
  const text: Record<FileErrorCode, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'a parent is not a directory',
    TOO_LARGE: 'too large',
    OTHER: code ?? 'cannot be read',
  };
  return { ok: false, code: mapped, message: text[mapped] };
}

/** Host files, read under `hostRoot` (`/` on a real host, a prepared tree in tests and containers). */
export function createFileProbe(hostRoot: string): FileProbe {
  const onHost = (path: string) => (hostRoot === '/' ? path : join(hostRoot, path));
  return {
    async stat(path: string): Promise<FileResult<FileInfo>> {
      try {
        const info = await stat(onHost(path));
        return {
          ok: true,
          value: { path, isFile: info.isFile(), isDirectory: info.isDirectory(), size: info.size, mode: info.mode, uid: info.uid, gid: info.gid, mtime: info.mtime },
        };
      } catch (error) {
        return failure(error);
      }
    },
    async statfs(path: string): Promise<FileResult<FilesystemUsage>> {
      try {
        const [info, usage] = await Promise.all([stat(onHost(path)), statfs(onHost(path))]);
        return {
          ok: true,
          value: { path, device: info.dev, sizeBytes: usage.blocks * usage.bsize, availableBytes: usage.bavail * usage.bsize, inodes: usage.files, freeInodes: usage.ffree },
        };
      } catch (error) {
        return failure(error);
      }
    },
    async read(path: string, maxBytes = DEFAULT_MAX_BYTES): Promise<FileResult<Buffer>> {
      try {
        // Opening a FIFO or device would block or never end: only regular files are read.
        const info = await stat(onHost(path));
        if (info.isDirectory()) return { ok: false, code: 'EISDIR', message: 'is a directory' };
        if (!info.isFile()) return { ok: false, code: 'OTHER', message: 'not a regular file' };
        const handle = await open(onHost(path), 'r');
        try {
          const info = await handle.stat();
          if (info.isDirectory()) return { ok: false, code: 'EISDIR', message: 'is a directory' };
          if (info.size > maxBytes) return { ok: false, code: 'TOO_LARGE', message: `larger than ${maxBytes} bytes` };
          return { ok: true, value: await handle.readFile() };
        } finally {
          await handle.close();
        }
      } catch (error) {
        return failure(error);
      }
    },
  };
}
