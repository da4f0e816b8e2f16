// stopSignal: a promise that settles on the first SIGINT or SIGTERM (long-running commands await it).

/** Install it before printing "ready": a script may signal as soon as it has read the report. */
export function stopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
