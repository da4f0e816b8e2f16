// Public surface of telemetry: logger interface and typed diagnostics channels.
export { type Logger, silentLogger } from './logger.js';
export { type TypedChannel, channel } from './channel.js';
