const MIB = 1024 * 1024;

/** A size for people: `0.4 MiB`, `512.0 MiB`, `3.2 GiB`, `1.1 TiB`. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024 * MIB) return `${(bytes / (1024 * 1024 * MIB)).toFixed(1)} TiB`;
  if (bytes >= 1024 * MIB) return `${(bytes / (1024 * MIB)).toFixed(1)} GiB`;
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
