import { readFileSync } from 'node:fs';

/**
 * Files shipped beside the code: the `explain` pages (docs/checks/), the report schema and package.json.
 * Paths are relative to the package root. The single executable has no package directory: its entry
 * point hands in a reader of the assets embedded in it.
 */
let embeddedReader: ((path: string) => string) | undefined;

export function useEmbeddedAssets(read: (path: string) => string): void {
  embeddedReader = read;
}

export function readAsset(path: string): string {
  if (embeddedReader) return embeddedReader(path);
  // Computed here, not at load: the single executable's bundle has no module URL.
  return readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
}
