// Logger: the structured-logging interface every part receives; app/ binds it to pino.
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
