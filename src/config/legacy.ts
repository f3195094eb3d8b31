import type { ConfigKey } from './schema.js';

/**
 * How Postal 3 reads a legacy (v1) file: each v2 key and the v1 key path it is taken from
 * (lib/postal/legacy_config_source.rb). `postal.smtp_relays` and the SMTP bind address have
 * their own rules in the loader.
 */
export const LEGACY_SOURCES: Partial<Record<ConfigKey, string>> = {
  'postal.web_hostname': 'web.host',
  'postal.web_protocol': 'web.protocol',
  'postal.smtp_hostname': 'dns.smtp_server_hostname',
  'postal.use_ip_pools': 'general.use_ip_pools',
  'postal.default_maximum_delivery_attempts': 'general.maximum_delivery_attempts',
  'postal.default_maximum_hold_expiry_days': 'general.maximum_hold_expiry_days',
  'postal.default_suppression_list_automatic_removal_days': 'general.suppression_list_removal_delay',
  'postal.use_local_ns_for_domain_verification': 'general.use_local_ns_for_domains',
  'postal.default_spam_threshold': 'general.default_spam_threshold',
  'postal.default_spam_failure_threshold': 'general.default_spam_failure_threshold',
  'postal.use_resent_sender_header': 'general.use_resent_sender_header',
  'postal.smtp_relays': 'smtp_relays',
  'logging.sentry_dsn': 'general.exception_url',
  'web_server.default_bind_address': 'web_server.bind_address',
  'web_server.default_port': 'web_server.port',
  'web_server.max_threads': 'web_server.max_threads',
  'main_db.host': 'main_db.host',
  'main_db.port': 'main_db.port',
  'main_db.username': 'main_db.username',
  'main_db.password': 'main_db.password',
  'main_db.database': 'main_db.database',
  'main_db.pool_size': 'main_db.pool_size',
  'main_db.encoding': 'main_db.encoding',
  'message_db.host': 'message_db.host',
  'message_db.port': 'message_db.port',
  'message_db.username': 'message_db.username',
  'message_db.password': 'message_db.password',
  'message_db.database_name_prefix': 'message_db.prefix',
  'logging.rails_log_enabled': 'logging.rails_log',
  'gelf.host': 'logging.graylog.host',
  'gelf.port': 'logging.graylog.port',
  'gelf.facility': 'logging.graylog.facility',
  'smtp_server.default_port': 'smtp_server.port',
  'smtp_server.default_bind_address': 'smtp_server.bind_address',
  'smtp_server.tls_enabled': 'smtp_server.tls_enabled',
  'smtp_server.tls_certificate_path': 'smtp_server.tls_certificate_path',
  'smtp_server.tls_private_key_path': 'smtp_server.tls_private_key_path',
  'smtp_server.tls_ciphers': 'smtp_server.tls_ciphers',
  'smtp_server.ssl_version': 'smtp_server.ssl_version',
  'smtp_server.proxy_protocol': 'smtp_server.proxy_protocol',
  'smtp_server.max_message_size': 'smtp_server.max_message_size',
  'smtp_server.log_connections': 'smtp_server.log_connect',
  'dns.mx_records': 'dns.mx_records',
  'dns.spf_include': 'dns.spf_include',
  'dns.return_path_domain': 'dns.return_path',
  'dns.route_domain': 'dns.route_domain',
  'dns.track_domain': 'dns.track_domain',
  'dns.helo_hostname': 'dns.helo_hostname',
  'dns.dkim_identifier': 'dns.dkim_identifier',
  'dns.domain_verify_prefix': 'dns.domain_verify_prefix',
  'dns.custom_return_path_prefix': 'dns.custom_return_path_prefix',
  'smtp.host': 'smtp.host',
  'smtp.port': 'smtp.port',
  'smtp.username': 'smtp.username',
  'smtp.password': 'smtp.password',
  'smtp.from_name': 'smtp.from_name',
  'smtp.from_address': 'smtp.from_address',
  'rails.environment': 'rails.environment',
  'rails.secret_key': 'rails.secret_key',
  'rspamd.enabled': 'rspamd.enabled',
  'rspamd.host': 'rspamd.host',
  'rspamd.port': 'rspamd.port',
  'rspamd.ssl': 'rspamd.ssl',
  'rspamd.password': 'rspamd.password',
  'rspamd.flags': 'rspamd.flags',
  'spamd.enabled': 'spamd.enabled',
  'spamd.host': 'spamd.host',
  'spamd.port': 'spamd.port',
  'clamav.enabled': 'clamav.enabled',
  'clamav.host': 'clamav.host',
  'clamav.port': 'clamav.port',
  'smtp_client.open_timeout': 'smtp_client.open_timeout',
  'smtp_client.read_timeout': 'smtp_client.read_timeout',
};

/** Every key path a legacy file can set that Postal 3 reads. */
export const LEGACY_PATHS: ReadonlySet<string> = new Set(Object.values(LEGACY_SOURCES));

/** The v2 key a legacy key path feeds (`dns.smtp_server_hostname` → `postal.smtp_hostname`). */
export function v2KeyForLegacyPath(path: string): ConfigKey | undefined {
  return (Object.keys(LEGACY_SOURCES) as ConfigKey[]).find((key) => LEGACY_SOURCES[key] === path);
}

/** v1 key prefixes Postal 2 knew that have no meaning in Postal 3 (config/postal.defaults.yml at 2.3.2). */
export const LEGACY_RETIRED_PREFIXES = [
  'rabbitmq',
  'logging.stdout',
  'logging.root',
  'logging.max_log_file_size',
  'logging.max_log_files',
  'workers',
  'fast_server',
  'smtp_server.strip_received_headers',
] as const;

export function isRetiredLegacyPath(path: string): boolean {
  return LEGACY_RETIRED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}.`));
}

/**
 * Legacy `smtp_relays: [{hostname, port, ssl_mode}]` as Postal 3 converts it (lib/postal/legacy_config_source.rb:29
 * at 3.3.6): `smtp://host:port?ssl_mode=mode`, a missing value left empty — so no ssl_mode means an empty one (no TLS).
 */
export function legacyRelayUrls(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((relay): relay is Record<string, unknown> => typeof relay === 'object' && relay !== null)
    .map((relay) => `smtp://${String(relay.hostname ?? '')}:${String(relay.port ?? '')}?ssl_mode=${String(relay.ssl_mode ?? '')}`);
}
