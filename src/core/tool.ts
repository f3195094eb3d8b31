import { readAsset } from './assets.js';

/** This program's version, from its package.json. */
export function toolVersion(): string {
  const manifest = JSON.parse(readAsset('package.json')) as { version: string };
  return manifest.version;
}
