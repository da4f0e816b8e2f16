// Public surface of config: the gateway's validated, frozen configuration and how to load it.
export type {
  GatewayConfig,
  ListenAddress,
  DomainConfig,
  ResolverConfig,
  TimingConfig,
  ForwardingConfig,
  LocalConfig,
  SessionStoreConfig,
  SessionsConfig,
  JwksSource,
  AuthConfig,
  ObserveConfig,
  CacheConfig,
} from './gateway-config.js';
export { CONFIG_DEFAULTS } from './gateway-config.js';
export { parseDurationMs } from './duration.js';
export { parseConfig } from './parse-config.js';
export { loadConfig, parseConfigText, mergeRaw } from './load-config.js';
