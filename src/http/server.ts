import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServeConfig } from '../config/options.js';
import type { ServiceLogger, ServiceOptionsInput } from '../service/options.js';
import type { Timestamper } from '../tsa/timestamper.js';
import { createTsaRouter } from '../tsa-server/router.js';
import { createTimestampers, type Timestampers } from '../tsa-server/timestampers.js';
import { toBase64Url } from '../util/bytes.js';
import { createRequestListener } from './app.js';
import type { HttpContext } from './context.js';
import { createMetrics } from './metrics.js';
import type { ServicePort } from './port.js';

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly port: number;
  readonly service: ServicePort;
  /**
   * Graceful shutdown: stop accepting connections, answer 503 to new registrations, let the service finish
   * the batch in flight and close its store, then wait (bounded) for responses in flight.
   */
  close(): Promise<void>;
}

/** How the server obtains its service (injected so the HTTP layer does not pick the implementation). */
export type OpenService = (input: ServiceOptionsInput) => Promise<ServicePort>;

/** Longest wait for in-flight responses once the service has closed. */
const DRAIN_MS = 5_000;

/** The service options a ServeConfig implies; `timestampers` come from config.tsa / config.tsaRoot (createTimestampers). */
export function serviceInput(config: ServeConfig, issuer: string, logger: ServiceLogger, timestampers: Timestamper[] = []): ServiceOptionsInput {
  return {
    dataDir: config.dataDir,
    issuer,
    policyFile: config.policy,
    batch: { maxEntries: config.batchSize, maxDelayMs: config.batchDelayMs, minIntervalMs: config.batchIntervalMs },
    anchorIntervalMs: config.tsaIntervalS * 1000,
    logger,
    timestampers,
    tlog: {
      ...(config.tlogOrigin === undefined ? {} : { origin: config.tlogOrigin }),
      ...(config.tilesDir === undefined ? {} : { tilesDir: config.tilesDir }),
      witnesses: config.witness ?? [],
      quorum: config.witnessQuorum,
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue (the kernel caps it at net.core.somaxconn): with node's default of 511, hundreds of
    // agents connecting at once overflow it and the kernel's SYN-ACK retransmissions add a second or more to
    // their first requests.
    server.listen({ port, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Binds the port first (so `--port 0` knows its port and the default issuer can name it), then opens the
 * service and starts answering. Logs one `listening` line with the URL and the service key ids.
 * @throws whatever opening the service throws (e.g. ERR_LOG_LOCKED), after releasing the port.
 */
export async function startServer(config: ServeConfig, open: OpenService, logger: ServiceLogger): Promise<RunningServer> {
  const server = createServer({
    headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
  });
  // Until the service is open, answer nothing but 503: the port is bound only so we know it.
  server.on('request', (_req, res) => {
    res.writeHead(503, { 'Retry-After': '1', Connection: 'close' }).end();
  });
  const addr = await listen(server, config.port, config.host);
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${hostPart}:${addr.port}`;
  const issuer = config.issuer ?? url;
  let service: ServicePort;
  let tsa: Timestampers;
  try {
    // RFC 3161 anchoring (docs/trusted-time.md): the embedded TSA lives in <dataDir>/tsa/.
    tsa = await createTimestampers({ tsa: config.tsa, tsaRoots: config.tsaRoot ? config.tsaRoot.split(',').map((f) => f.trim()).filter((f) => f !== '') : [], dataDir: config.dataDir, logger });
    service = await open(serviceInput(config, issuer, logger, tsa.timestampers));
  } catch (err) {
    await new Promise<void>((r) => server.close(() => r()));
    throw err;
  }
  const metrics = createMetrics(service);
  const ctx: HttpContext = { service, settings: config, metrics, logger, issuer, closing: false, ...(tsa.embedded ? { tsaRouter: createTsaRouter(tsa.embedded) } : {}) };
  server.removeAllListeners('request');
  server.on('request', createRequestListener(ctx));

  const keys = (await service.serviceKeys()).map((k) => ({ kid: toBase64Url(k.kid), alg: k.alg }));
  // The note vkeys: what witnesses and tile clients are configured with (spec/tlog.md section 2).
  const tlog = service.tlog ? { origin: service.tlog.origin, vkeys: service.tlog.vkeys } : undefined;
  logger.info({ url, port: addr.port, issuer, dataDir: config.dataDir, keys, tlog }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // 1. Stop taking work: no new connections, 503 for new registrations, Connection: close on answers.
      ctx.closing = true;
      const drained = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      // 2. Let requests in flight finish while the service still runs (their batches get sealed), bounded.
      const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
      await drained;
      clearTimeout(timer);
      // 3. The service seals what is still queued (e.g. registrations answered 303) and closes the store.
      await service.close();
      logger.info({ url }, 'stopped');
    })();
    return closing;
  };
  return { url, port: addr.port, service, close };
}
