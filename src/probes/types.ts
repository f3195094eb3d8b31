/**
 * The outside world, as checks see it. The runner injects real implementations;
 * tests inject fakes or point the real ones at servers they started.
 */

export type DnsType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME' | 'NS';

/** `untrusted`: not asked, because the resolver denies names that exist (see dns.resolver). */
export type DnsErrorCode = 'timeout' | 'refused' | 'servfail' | 'unreachable' | 'untrusted' | 'other';

/**
 * The outcome of one DNS question. Records are normalised: names lower case without the
 * trailing dot, IPv6 in canonical compressed form, TXT chunks joined, MX as "<priority> <exchange>",
 * all sorted.
 */
export type DnsAnswer =
  | { query: string; status: 'answer'; records: string[] }
  | { query: string; status: 'nxdomain' }
  | { query: string; status: 'nodata' }
  | { query: string; status: 'error'; code: DnsErrorCode; detail: string };

export interface DnsProbe {
  /** `purpose: 'dnsbl'` sends the question to the blocklist resolver. Each distinct question is asked once per run. */
  query(name: string, type: DnsType, purpose?: 'default' | 'dnsbl'): Promise<DnsAnswer>;
  /**
   * Asks one server (`ip` or `ip:port`, port 53 by default) directly, as a stub resolver does: an authoritative
   * server's referral to another zone comes back as `nodata`. Each distinct server and question is asked once per run.
   */
  queryServer(server: string, name: string, type: DnsType): Promise<DnsAnswer>;
}

export type TcpOutcome = 'banner' | 'connected' | 'refused' | 'timeout' | 'unreachable' | 'error';

export interface TcpAttempt {
  outcome: TcpOutcome;
  /** First line the peer sent, when `readBanner` was asked and one came. */
  banner?: string;
  /** The system error code (ECONNREFUSED, EHOSTUNREACH, EADDRNOTAVAIL …) when there was one. */
  code?: string;
  ms: number;
}

export interface TcpProbe {
  connect(target: { host: string; port: number; localAddress?: string; readBanner: boolean; timeoutMs: number; signal?: AbortSignal }): Promise<TcpAttempt>;
}

export type SmtpPhase = 'connect' | 'banner' | 'ehlo' | 'starttls' | 'tls' | 'ehlo-tls';

export interface SmtpSession {
  host: string;
  port: number;
  /** The 220 greeting, first line, without the code. */
  banner: string | null;
  ehlo: string[];
  starttlsOffered: boolean;
  tls: null | {
    protocol: string | null;
    cipher: string | null;
    /** The chain verifies against the roots given (or Node's store); names are not judged here. */
    authorized: boolean;
    authorizationError: string | null;
    /** PEM blocks of the chain the server sent, leaf first. */
    chainPem: string[];
  };
  /** The EHLO reply lines over TLS, when the session got that far. */
  ehloAfterTls?: string[];
  /** Where and why the session stopped early; null when every phase completed. */
  failure: null | { phase: SmtpPhase; code: string; message: string };
  timings: Partial<Record<SmtpPhase | 'total', number>>;
}

export interface SmtpProbe {
  /**
   * Banner, EHLO, STARTTLS and handshake, then QUIT. Never sends MAIL, RCPT or DATA.
   * `ca`: the roots `authorized` is judged against (default: Node's store).
   */
  session(target: {
    host: string;
    port: number;
    servername?: string;
    helo: string;
    timeoutMs: number;
    ca?: string[];
    signal?: AbortSignal;
    /** `starttls` (default): STARTTLS when offered; `implicit`: TLS from the first byte (SMTPS); `none`: stop after EHLO. */
    tls?: 'starttls' | 'implicit' | 'none';
    /** The local address to connect from (a sending IP). */
    localAddress?: string;
  }): Promise<SmtpSession>;
}

export interface HttpResponse {
  url: string;
  /** The address connected to instead of resolving the URL's host, when one was given. */
  address: string | null;
  /** The status code, or null when no response came. */
  status: number | null;
  /** The Location header of a redirect (not followed). */
  location: string | null;
  /** The start of the body (up to the probe's limit), as text. */
  body: string;
  /** Set when the body was longer than the limit and `body` is only its start. */
  truncated?: boolean;
  tls: null | {
    protocol: string | null;
    /** The chain verifies against the roots given (or Node's store); names are not judged here. */
    authorized: boolean;
    authorizationError: string | null;
    /** PEM blocks of the chain the server sent, leaf first. */
    chainPem: string[];
  };
  /** Why no response came: ECONNREFUSED, ETIMEDOUT, a TLS error code … */
  failure: null | { code: string; message: string };
  ms: number;
}

export interface HttpProbe {
  /**
   * One GET (never another method), redirects not followed. `address`: connect there instead of resolving the
   * host (the Host header and SNI still name the host). `ca`: the roots `authorized` is judged against.
   * `maxBytes`: the most of the body kept (64 KiB unless given); a longer body comes back cut, with `truncated`.
   */
  get(target: { url: string; address?: string; ca?: string[]; timeoutMs: number; signal?: AbortSignal; maxBytes?: number }): Promise<HttpResponse>;
}

export interface TrustProbe {
  /**
   * PEM certificates of the roots a remote mail server is expected to trust: Node's bundled
   * Mozilla list plus the file named by NODE_EXTRA_CA_CERTS (a private CA), as Node's TLS uses them.
   */
  roots(): Promise<string[]>;
}

export type FileErrorCode = 'ENOENT' | 'EACCES' | 'EISDIR' | 'ENOTDIR' | 'TOO_LARGE' | 'OTHER';

export interface FileInfo {
  path: string;
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

export type FileResult<T> = { ok: true; value: T } | { ok: false; code: FileErrorCode; message: string };

/** The filesystem a path is on (statfs), in bytes and inodes; `device` tells filesystems apart. */
export interface FilesystemUsage {
  path: string;
  device: number;
  sizeBytes: number;
  /** Free for ordinary users (f_bavail): what Postal and MariaDB can still write. */
  availableBytes: number;
  inodes: number;
  freeInodes: number;
}

export interface FileProbe {
  /** Paths are host paths; the probe prefixes `--host-root`. */
  stat(path: string): Promise<FileResult<FileInfo>>;
  read(path: string, maxBytes?: number): Promise<FileResult<Buffer>>;
  statfs(path: string): Promise<FileResult<FilesystemUsage>>;
}

export interface CommandRun {
  /** `not-found`: no such binary; `timeout`: killed after the time limit; `failed`: ran and exited non-zero. */
  outcome: 'ok' | 'not-found' | 'timeout' | 'failed';
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandProbe {
  run(command: string, args: string[], options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<CommandRun>;
}

export interface DatabaseSettings {
  host: string;
  port: number;
  username: string;
  password: string | null;
  /** Empty to connect without choosing a database (message_db has one database per mail server). */
  database: string;
  /** The postal.yml section these settings come from, for error messages; main_db when absent. */
  section?: 'main_db' | 'message_db';
}

export interface PoolAddress {
  pool: string;
  ipv4: string | null;
  ipv6: string | null;
  hostname: string | null;
  priority: number | null;
}

export type DatabaseErrorCode = 'refused' | 'access-denied' | 'unknown-database' | 'missing-table' | 'timeout' | 'other';

export type PoolQueryResult =
  | { ok: true; addresses: PoolAddress[] }
  | { ok: false; code: DatabaseErrorCode; message: string };

/** One row of a SELECT, by column alias; numbers and strings as the server sent them, NULL as null. */
export type DatabaseRow = Record<string, string | number | null>;

export type SelectResult =
  | { ok: true; results: DatabaseRow[][] }
  | { ok: false; code: DatabaseErrorCode; message: string; statement?: string };

export interface SelectRequest {
  /** SELECT statements, run in order on one connection; anything else is refused before connecting. */
  statements: string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface DatabaseProbe {
  /** Reads Postal's ip_pools joined with ip_addresses. Error messages never contain the password. */
  ipPools(settings: DatabaseSettings, options: { timeoutMs: number; signal?: AbortSignal }): Promise<PoolQueryResult>;
  /**
   * Runs read-only statements (SELECT only, enforced) and returns their rows. Checks aggregate in SQL, so
   * results stay small. Error messages never contain the password.
   */
  select(settings: DatabaseSettings, request: SelectRequest): Promise<SelectResult>;
  /** Reads Postal's domains and track_domains (only `name` when given); SELECTs only. */
  domains(settings: DatabaseSettings, options: { timeoutMs: number; name?: string; signal?: AbortSignal }): Promise<DomainsQueryResult>;
}

/** A row of Postal's `domains` table (db/schema.rb), as far as the doctor reads it. */
export interface DomainRow {
  id: number;
  name: string;
  /** PEM; stays inside the doctor: only its public half is ever shown. */
  dkimPrivateKey: string | null;
  dkimIdentifierString: string | null;
  dnsCheckedAt: Date | null;
  spfStatus: string | null;
  spfError: string | null;
  dkimStatus: string | null;
  dkimError: string | null;
  mxStatus: string | null;
  mxError: string | null;
  returnPathStatus: string | null;
  returnPathError: string | null;
  outgoing: boolean;
}

/** A row of Postal's `track_domains` table; `name` is the label under its domain. */
export interface TrackDomainRow {
  id: number;
  domainId: number;
  name: string;
  dnsCheckedAt: Date | null;
  dnsStatus: string | null;
  dnsError: string | null;
  sslEnabled: boolean;
}

export type DomainsQueryResult =
  | { ok: true; domains: DomainRow[]; trackDomains: TrackDomainRow[] }
  | { ok: false; code: DatabaseErrorCode; message: string };

export interface HostAddress {
  address: string;
  family: 4 | 6;
  interface: string;
  internal: boolean;
}

export interface HostProbe {
  addresses(): Promise<HostAddress[]>;
}

export interface Probes {
  dns: DnsProbe;
  tcp: TcpProbe;
  smtp: SmtpProbe;
  http: HttpProbe;
  files: FileProbe;
  commands: CommandProbe;
  database: DatabaseProbe;
  host: HostProbe;
  trust: TrustProbe;
  clock: { now(): Date };
}
