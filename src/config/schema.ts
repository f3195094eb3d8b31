/**
 * Postal's v2 config schema (lib/postal/config_schema.rb) as data: every group, key,
 * type and default that Postal 3 knows. Keys not listed here are silently ignored by Postal.
 */

export type ValueType = 'string' | 'integer' | 'boolean' | 'array';

export interface KeySpec {
  type: ValueType;
  default: string | number | boolean | string[] | null;
  /** Never printed in any output. */
  secret?: boolean;
  /** A file path inside the container; `$config-file-root` is the directory of postal.yml. */
  path?: boolean;
}

const str = <D extends string | null>(value: D) => ({ type: 'string', default: value }) as const;
const int = <D extends number | null>(value: D) => ({ type: 'integer', default: value }) as const;
const bool = <D extends boolean>(value: D) => ({ type: 'boolean', default: value }) as const;
const list = <D extends string[] | null>(value: D) => ({ type: 'array', default: value }) as const;
const secret = () => ({ type: 'string', default: null, secret: true }) as const;
const path = <D extends string>(value: D) => ({ type: 'string', default: value, path: true }) as const;

export const CONFIG_FILE_ROOT = '$config-file-root';

export const SCHEMA = {
  postal: {
    web_hostname: str('postal.example.com'),
    web_protocol: str('https'),
    smtp_hostname: str('postal.example.com'),
    use_ip_pools: bool(false),
    default_maximum_delivery_attempts: int(18),
    default_maximum_hold_expiry_days: int(7),
    default_suppression_list_automatic_removal_days: int(30),
    default_spam_threshold: int(5),
    default_spam_failure_threshold: int(20),
    use_local_ns_for_domain_verification: bool(false),
    use_resent_sender_header: bool(true),
    signing_key_path: path(`${CONFIG_FILE_ROOT}/signing.key`),
    smtp_relays: list(null),
    trusted_proxies: list(null),
    queued_message_lock_stale_days: int(1),
    batch_queued_messages: bool(true),
  },
  web_server: {
    default_port: int(5000),
    default_bind_address: str('127.0.0.1'),
    max_threads: int(5),
  },
  worker: {
    default_health_server_port: int(9090),
    default_health_server_bind_address: str('127.0.0.1'),
    threads: int(2),
  },
  main_db: {
    host: str('localhost'),
    port: int(3306),
    username: str('postal'),
    password: secret(),
    database: str('postal'),
    pool_size: int(5),
    encoding: str('utf8mb4'),
  },
  message_db: {
    host: str('localhost'),
    port: int(3306),
    username: str('postal'),
    password: secret(),
    encoding: str('utf8mb4'),
    database_name_prefix: str('postal'),
  },
  logging: {
    rails_log_enabled: bool(false),
    sentry_dsn: secret(),
    enabled: bool(true),
    highlighting_enabled: bool(false),
  },
  gelf: {
    host: str(null),
    port: int(12201),
    facility: str('postal'),
  },
  smtp_server: {
    default_port: int(25),
    default_bind_address: str('::'),
    default_health_server_port: int(9091),
    default_health_server_bind_address: str('127.0.0.1'),
    tls_enabled: bool(false),
    tls_certificate_path: path(`${CONFIG_FILE_ROOT}/smtp.cert`),
    tls_private_key_path: path(`${CONFIG_FILE_ROOT}/smtp.key`),
    tls_ciphers: str(null),
    ssl_version: str('SSLv23'),
    proxy_protocol: bool(false),
    log_connections: bool(false),
    max_message_size: int(14),
    log_ip_address_exclusion_matcher: str(null),
  },
  dns: {
    mx_records: list(['mx1.postal.example.com', 'mx2.postal.example.com']),
    spf_include: str('spf.postal.example.com'),
    return_path_domain: str('rp.postal.example.com'),
    route_domain: str('routes.postal.example.com'),
    track_domain: str('track.postal.example.com'),
    helo_hostname: str(null),
    dkim_identifier: str('postal'),
    domain_verify_prefix: str('postal-verification'),
    custom_return_path_prefix: str('psrp'),
    timeout: int(5),
    resolv_conf_path: str('/etc/resolv.conf'),
  },
  smtp: {
    host: str('127.0.0.1'),
    port: int(25),
    username: str(null),
    password: secret(),
    authentication_type: str('login'),
    enable_starttls: bool(false),
    enable_starttls_auto: bool(true),
    openssl_verify_mode: str('peer'),
    from_name: str('Postal'),
    from_address: str('postal@example.com'),
  },
  rails: {
    environment: str('production'),
    secret_key: secret(),
  },
  rspamd: {
    enabled: bool(false),
    host: str('127.0.0.1'),
    port: int(11334),
    ssl: bool(false),
    password: secret(),
    flags: str(null),
  },
  spamd: {
    enabled: bool(false),
    host: str('127.0.0.1'),
    port: int(783),
  },
  clamav: {
    enabled: bool(false),
    host: str('127.0.0.1'),
    port: int(2000),
  },
  smtp_client: {
    open_timeout: int(30),
    read_timeout: int(30),
  },
  migration_waiter: {
    enabled: bool(false),
    attempts: int(120),
    sleep_time: int(2),
  },
  oidc: {
    enabled: bool(false),
    local_authentication_enabled: bool(true),
    name: str('OIDC Provider'),
    issuer: str(null),
    identifier: str(null),
    secret: secret(),
    scopes: list(['openid', 'email']),
    uid_field: str('sub'),
    email_address_field: str('email'),
    name_field: str('name'),
    discovery: bool(true),
    authorization_endpoint: str(null),
    token_endpoint: str(null),
    userinfo_endpoint: str(null),
    jwks_uri: str(null),
  },
} as const satisfies Record<string, Record<string, KeySpec>>;

type Schema = typeof SCHEMA;
export type ConfigGroup = keyof Schema;

/** Every `group.key` path Postal knows, e.g. `postal.smtp_hostname`. */
export type ConfigKey = { [G in ConfigGroup]: `${G}.${Extract<keyof Schema[G], string>}` }[ConfigGroup];

type TypeOf<S> = S extends { type: 'string' }
  ? string
  : S extends { type: 'integer' }
    ? number
    : S extends { type: 'boolean' }
      ? boolean
      : string[];

type SpecAt<K extends ConfigKey> = K extends `${infer G extends ConfigGroup}.${infer N}`
  ? N extends keyof Schema[G]
    ? Schema[G][N]
    : never
  : never;

/** The TS type of a key's effective value: null where the schema has no default and the file sets none. */
export type ValueOf<K extends ConfigKey> = TypeOf<SpecAt<K>> | (SpecAt<K> extends { default: null } ? null : never);

export const CONFIG_KEYS: ConfigKey[] = Object.entries(SCHEMA).flatMap(([group, keys]) =>
  Object.keys(keys).map((key) => `${group}.${key}` as ConfigKey),
);

export function keySpec(key: string): KeySpec | undefined {
  const [group, name] = splitKey(key);
  const keys = (SCHEMA as Record<string, Record<string, KeySpec>>)[group];
  return keys && Object.hasOwn(keys, name) ? keys[name] : undefined;
}

export function splitKey(key: string): [string, string] {
  const dot = key.indexOf('.');
  return [key.slice(0, dot), key.slice(dot + 1)];
}

/** Postal's environment variable for a key: group and key upper-cased, joined with `_`. */
export function envVarName(key: ConfigKey): string {
  return key.replace('.', '_').toUpperCase();
}
