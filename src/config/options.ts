import { AtlogError } from '../errors.js';
import { resolveServiceOptions } from '../service/options.js';

/**
 * The one table of `atlog serve` settings: every flag, environment variable, config-file key and default is
 * declared here, and only here. The CLI builds its options from it, `resolveConfig` fills defaults from it,
 * and docs/operations.md shows it (a test checks that the doc table and this one agree).
 */

/** TSA choice: the embedded TSA, no anchoring, or RFC 3161 TSA URLs, comma-separated ('embedded' may be listed too). */
export type TsaSetting = 'embedded' | 'none' | `http://${string}` | `https://${string}` | `embedded,${string}`;

/** Log levels understood by pino. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Fully resolved settings of `atlog serve`; every field has a value. */
export interface ServeConfig {
  /** LevelDB data directory (log, keys, operations). */
  dataDir: string;
  /** Address the HTTP server binds to. */
  host: string;
  /** TCP port; 0 picks a free one (the bound port is logged). */
  port: number;
  /** Registration Policy file (YAML or JSON); undefined = the service's default policy. */
  policy: string | undefined;
  /** Service identity (CWT iss of receipts); undefined = the service's default (derived from host:port). */
  issuer: string | undefined;
  /** Largest number of statements sequenced in one batch (one signed tree head per batch). */
  batchSize: number;
  /** Longest time a statement waits for its batch to fill before the batch is sequenced, in ms. */
  batchDelayMs: number;
  /** Under load, the least time between the starts of two batches that are not full, in ms. */
  batchIntervalMs: number;
  /** How long POST /entries waits for the receipt before answering 303 instead of 201, in ms. */
  waitLimitMs: number;
  /** Retry-After hint on 303/302/503 answers, in seconds. */
  retryAfterS: number;
  /** Sustained requests per second per client address; 0 turns rate limiting off. */
  rateLimit: number;
  /** Token-bucket burst per client address. */
  rateBurst: number;
  /** Largest accepted request body in bytes. */
  bodyLimit: number;
  /** Node http server: time allowed to receive the request headers, in ms. */
  headersTimeoutMs: number;
  /** Node http server: time allowed to receive the whole request, in ms. */
  requestTimeoutMs: number;
  /** Node http server: idle keep-alive time, in ms. */
  keepAliveTimeoutMs: number;
  /** pino log level. */
  logLevel: LogLevel;
  /** RFC 3161 anchoring: 'embedded', 'none', or TSA URLs (comma-separated). */
  tsa: TsaSetting;
  /** Trust anchor (PEM file) for an external TSA; undefined with the embedded TSA. */
  tsaRoot: string | undefined;
  /** Anchor at most every this many seconds (paid TSAs); 0 = every signed tree head. */
  tsaIntervalS: number;
  /** Bearer token of the admin endpoints; environment only (ATLOG_ADMIN_TOKEN); undefined disables them. */
  adminToken: string | undefined;
  /** Checkpoint origin and note key name (spec/tlog.md); undefined = derived from the issuer. */
  tlogOrigin: string | undefined;
  /** Directory the published checkpoint and its tiles are also written to; undefined = none. */
  tilesDir: string | undefined;
  /** Witnesses, `URL=VKEY` each; undefined = none. */
  witness: string[] | undefined;
  /** Witnesses that must cosign a checkpoint before it is published. */
  witnessQuorum: number;
}

/** How one value is parsed from text (flag, env) or a config-file value. */
type Kind = 'string' | 'int' | 'loglevel' | 'tsa' | 'list';

/** One row of the settings table. */
export interface OptionSpec {
  key: keyof ServeConfig;
  /** Long flag without leading dashes, or undefined when the setting has no flag. */
  flag: string | undefined;
  env: string;
  /** Key in the config file, or undefined when the setting may not come from a file (secrets). */
  fileKey: string | undefined;
  kind: Kind;
  default: ServeConfig[keyof ServeConfig];
  /** Inclusive bounds for ints. */
  min?: number;
  max?: number;
  doc: string;
}

/** Batch defaults belong to the service (src/service/options.ts); read them, never restate them. */
const SERVICE_DEFAULTS = resolveServiceOptions({});

/** The settings table (order = order in --help and in docs/operations.md). */
export const OPTIONS: readonly OptionSpec[] = [
  { key: 'dataDir', flag: 'data', env: 'ATLOG_DATA', fileKey: 'data', kind: 'string', default: './data', doc: 'LevelDB data directory (log, service keys, operations)' },
  { key: 'host', flag: 'host', env: 'ATLOG_HOST', fileKey: 'host', kind: 'string', default: '127.0.0.1', doc: 'address to bind' },
  { key: 'port', flag: 'port', env: 'ATLOG_PORT', fileKey: 'port', kind: 'int', default: 8080, min: 0, max: 65535, doc: 'TCP port; 0 picks a free port (logged)' },
  { key: 'policy', flag: 'policy', env: 'ATLOG_POLICY', fileKey: 'policy', kind: 'string', default: undefined, doc: 'Registration Policy file (YAML or JSON); default: the built-in policy' },
  { key: 'issuer', flag: 'issuer', env: 'ATLOG_ISSUER', fileKey: 'issuer', kind: 'string', default: undefined, doc: 'service identity (CWT iss of tree heads and receipts); default: the server URL http://HOST:PORT' },
  { key: 'batchSize', flag: 'batch-size', env: 'ATLOG_BATCH_SIZE', fileKey: 'batchSize', kind: 'int', default: SERVICE_DEFAULTS.batch.maxEntries, min: 1, max: 100_000, doc: 'most statements per batch (one signed tree head per batch)' },
  { key: 'batchDelayMs', flag: 'batch-delay', env: 'ATLOG_BATCH_DELAY_MS', fileKey: 'batchDelayMs', kind: 'int', default: SERVICE_DEFAULTS.batch.maxDelayMs, min: 0, max: 60_000, doc: 'ms a statement waits for its batch to fill' },
  { key: 'batchIntervalMs', flag: 'batch-interval', env: 'ATLOG_BATCH_INTERVAL_MS', fileKey: 'batchIntervalMs', kind: 'int', default: SERVICE_DEFAULTS.batch.minIntervalMs, min: 0, max: 60_000, doc: 'under load, least ms between the starts of two batches (fewer, larger batches)' },
  { key: 'waitLimitMs', flag: 'wait-limit', env: 'ATLOG_WAIT_LIMIT_MS', fileKey: 'waitLimitMs', kind: 'int', default: 2000, min: 0, max: 120_000, doc: 'ms POST /entries waits for the receipt before answering 303' },
  { key: 'retryAfterS', flag: 'retry-after', env: 'ATLOG_RETRY_AFTER_S', fileKey: 'retryAfterS', kind: 'int', default: 1, min: 0, max: 3600, doc: 'Retry-After seconds on 303, 302 and 503' },
  { key: 'rateLimit', flag: 'rate-limit', env: 'ATLOG_RATE_LIMIT', fileKey: 'rateLimit', kind: 'int', default: 200, min: 0, max: 10_000_000, doc: 'requests/s per client address (token bucket); 0 = off' },
  { key: 'rateBurst', flag: 'rate-burst', env: 'ATLOG_RATE_BURST', fileKey: 'rateBurst', kind: 'int', default: 400, min: 1, max: 10_000_000, doc: 'token-bucket burst per client address' },
  { key: 'bodyLimit', flag: 'body-limit', env: 'ATLOG_BODY_LIMIT', fileKey: 'bodyLimit', kind: 'int', default: 1_048_576, min: 1024, max: 64 * 1024 * 1024, doc: 'largest request body in bytes (413 above)' },
  { key: 'headersTimeoutMs', flag: 'headers-timeout', env: 'ATLOG_HEADERS_TIMEOUT_MS', fileKey: 'headersTimeoutMs', kind: 'int', default: 10_000, min: 1, max: 600_000, doc: 'ms to receive request headers' },
  { key: 'requestTimeoutMs', flag: 'request-timeout', env: 'ATLOG_REQUEST_TIMEOUT_MS', fileKey: 'requestTimeoutMs', kind: 'int', default: 30_000, min: 1, max: 600_000, doc: 'ms to receive a whole request' },
  { key: 'keepAliveTimeoutMs', flag: 'keep-alive-timeout', env: 'ATLOG_KEEP_ALIVE_TIMEOUT_MS', fileKey: 'keepAliveTimeoutMs', kind: 'int', default: 5_000, min: 1, max: 600_000, doc: 'ms an idle keep-alive connection stays open' },
  { key: 'logLevel', flag: 'log-level', env: 'ATLOG_LOG_LEVEL', fileKey: 'logLevel', kind: 'loglevel', default: 'info', doc: 'fatal, error, warn, info, debug, trace or silent' },
  { key: 'tsa', flag: 'tsa', env: 'ATLOG_TSA', fileKey: 'tsa', kind: 'tsa', default: 'embedded', doc: "RFC 3161 anchoring: 'embedded', 'none' or TSA URLs, comma-separated (docs/trusted-time.md)" },
  { key: 'tsaRoot', flag: 'tsa-root', env: 'ATLOG_TSA_ROOT', fileKey: 'tsaRoot', kind: 'string', default: undefined, doc: 'PEM trust anchors of external TSAs (comma-separated files)' },
  { key: 'tsaIntervalS', flag: 'tsa-interval', env: 'ATLOG_TSA_INTERVAL_S', fileKey: 'tsaIntervalS', kind: 'int', default: SERVICE_DEFAULTS.anchorIntervalMs / 1000, min: 0, max: 86_400, doc: 'timestamp at most every SECONDS (paid TSAs); heads in between are not anchored; 0 = every tree head' },
  { key: 'tlogOrigin', flag: 'tlog-origin', env: 'ATLOG_TLOG_ORIGIN', fileKey: 'tlogOrigin', kind: 'string', default: undefined, doc: 'checkpoint origin and name of the note keys (spec/tlog.md); default: the issuer without its scheme, then /tlog' },
  { key: 'tilesDir', flag: 'tiles-dir', env: 'ATLOG_TILES_DIR', fileKey: 'tilesDir', kind: 'string', default: undefined, doc: 'also write the published checkpoint, tiles and entry bundles here, for a static server, bucket or CDN' },
  { key: 'witness', flag: 'witness', env: 'ATLOG_WITNESS', fileKey: 'witness', kind: 'list', default: undefined, doc: 'a witness to submit checkpoints to, URL=VKEY; repeat the flag (environment: space-separated; file: a list)' },
  { key: 'witnessQuorum', flag: 'witness-quorum', env: 'ATLOG_WITNESS_QUORUM', fileKey: 'witnessQuorum', kind: 'int', default: 0, min: 0, max: 1000, doc: 'witnesses that must cosign a checkpoint before /tlog/checkpoint publishes it' },
  { key: 'adminToken', flag: undefined, env: 'ATLOG_ADMIN_TOKEN', fileKey: undefined, kind: 'string', default: undefined, doc: 'bearer token of the admin endpoints (environment only); unset = admin endpoints off (404)' },
];

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function bad(spec: OptionSpec, source: string, why: string): AtlogError {
  const name = source === 'flag' ? `--${spec.flag}` : source === 'env' ? spec.env : `${source}: ${spec.fileKey}`;
  return new AtlogError('ERR_CONFIG_INVALID', `${name} ${why}`, { details: { option: spec.key, source } });
}

/**
 * Parses one raw value (a string from a flag or the environment, or any JSON/YAML value from a file).
 * @throws AtlogError ERR_CONFIG_INVALID naming the option and where it came from.
 */
export function parseValue(spec: OptionSpec, raw: unknown, source: string): ServeConfig[keyof ServeConfig] {
  switch (spec.kind) {
    case 'string':
      if (typeof raw !== 'string' || raw === '') throw bad(spec, source, 'must be a non-empty string');
      return raw;
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
      if (!Number.isSafeInteger(n)) throw bad(spec, source, 'must be a non-negative integer');
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw bad(spec, source, `must be between ${spec.min} and ${spec.max}`);
      }
      return n;
    }
    case 'loglevel':
      if (typeof raw !== 'string' || !LOG_LEVELS.includes(raw as LogLevel)) throw bad(spec, source, `must be one of ${LOG_LEVELS.join(', ')}`);
      return raw as LogLevel;
    case 'tsa':
      // A comma-separated list of 'embedded' and http(s) URLs; src/tsa createTimestampers reads it.
      if (typeof raw !== 'string' || !(raw === 'none' || raw.split(',').every((x) => x.trim() === 'embedded' || /^https?:\/\/[^\s,]+$/.test(x.trim())))) {
        throw bad(spec, source, "must be 'embedded', 'none' or http(s) URLs (comma-separated)");
      }
      return raw as TsaSetting;
    case 'list': {
      // Flags repeat (commander collects them), the environment separates values by spaces, a file lists them.
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/\s+/).filter((x) => x !== '') : undefined;
      if (items === undefined || items.length === 0 || !items.every((x) => typeof x === 'string' && x !== '')) throw bad(spec, source, 'must be one or more non-empty strings');
      return items as string[];
    }
  }
}

/** Raw setting sources, highest precedence first: flags > env > file > defaults. */
export interface ConfigSources {
  /** Values from command-line flags, keyed by ServeConfig key (commander's camelCase names are mapped). */
  flags?: Partial<Record<keyof ServeConfig, unknown>>;
  /** The process environment (only ATLOG_* names are read). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The parsed config file (a plain object keyed by `fileKey`). */
  file?: Readonly<Record<string, unknown>>;
}

/**
 * Fills every setting of `atlog serve`, with precedence flags > environment > config file > defaults.
 * The only place defaults are applied.
 * @throws AtlogError ERR_CONFIG_INVALID for a bad value or an unknown config-file key.
 */
export function resolveConfig(sources: ConfigSources = {}): ServeConfig {
  const file = sources.file ?? {};
  const known = new Set(OPTIONS.map((o) => o.fileKey).filter((k) => k !== undefined));
  for (const k of Object.keys(file)) {
    // A typo in a config file should fail loudly, not silently fall back to a default.
    if (!known.has(k)) throw new AtlogError('ERR_CONFIG_INVALID', `unknown config file key "${k}"`, { details: { key: k } });
  }
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const fromFlag = sources.flags?.[spec.key];
    const fromEnv = sources.env?.[spec.env];
    const fromFile = spec.fileKey === undefined ? undefined : file[spec.fileKey];
    if (fromFlag !== undefined) out[spec.key] = parseValue(spec, fromFlag, 'flag');
    else if (fromEnv !== undefined && fromEnv !== '') out[spec.key] = parseValue(spec, fromEnv, 'env');
    else if (fromFile !== undefined && fromFile !== null) out[spec.key] = parseValue(spec, fromFile, 'config file');
    else out[spec.key] = spec.default;
  }
  return out as unknown as ServeConfig;
}
