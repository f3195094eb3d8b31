import { isIP } from 'node:net';

/**
 * `host`, `host:port`, a bare IPv6 address, `[v6]` or `[v6]:port`, split, with the port as a number in
 * 1–65535 or null when none is given; null when the text is none of those forms.
 */
export function splitHostPort(text: string): { host: string; port: number | null } | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const plain = isIP(text) === 6 ? null : /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    if (isIP(bracketed[1]) !== 6) return null;
    [host, portText] = [bracketed[1], bracketed[2]];
  } else if (isIP(text) === 6) {
    host = text;
  } else if (plain) {
    [host, portText] = [plain[1], plain[2]];
  } else {
    return null;
  }
  const port = portText === undefined ? null : Number(portText);
  if (host === '' || (port !== null && (port < 1 || port > 65535))) return null;
  return { host, port };
}

/** `host:port`, with IPv6 addresses in brackets. */
export function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
