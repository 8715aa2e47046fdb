/** The part of a pino logger the shutdown handler writes to. */
interface ShutdownLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Turn SIGTERM and SIGINT into a graceful `close()`, exiting 0 when it completes and 1 when it fails. A second
 * signal exits 1 at once: servers keep their last synced state consistent on disk, so "now" is safe.
 */
export function stopOnSignals(logger: ShutdownLogger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'forced exit');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
