import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { AtlogError } from '../errors.js';
import { LevelDbStorage } from '../storage/leveldb/index.js';
import type { LogStorage } from '../storage/types.js';
import { isValidKeyName } from '../tlog/keys.js';
import type { Timestamper } from '../tsa/timestamper.js';
import { parseWitnesses, type WitnessTarget } from './witnessing.js';

/**
 * The service's options, and the one place where their defaults live (STYLE.md item 12): what the docs say
 * and what the service runs with cannot drift, because `resolveServiceOptions` is the only code that fills
 * a default.
 */

/** The logger shape the service uses (pino's, narrowed so tests can pass a stub). */
export interface ServiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Opens the log storage of a data directory (src/storage): the service's whole database. */
export type StorageOpener = (dataDir: string) => Promise<LogStorage>;

/** The default storage: the embedded LevelDB driver in `<dataDir>/log` (spec/log-storage.md). */
const levelDbIn: StorageOpener = (dataDir) => LevelDbStorage.open(join(dataDir, 'log'));

/** What a caller may pass; every member is optional. */
export interface ServiceOptionsInput {
  /** The log (`log/`), service keys (`keys/`) and everything else the service persists. Default `./data`. */
  dataDir?: string;
  /**
   * Opens the log storage. Default: the LevelDB driver in `<dataDir>/log`. Any driver of src/storage fits, e.g.
   * `() => MemoryStorage.open()` in tests (nothing durable).
   */
  storage?: StorageOpener;
  /** The service identity URI, CWT `iss` of every tree head and receipt. Default `http://127.0.0.1:8080`. */
  issuer?: string;
  /** Registration Policy file (`.yaml`, `.yml` or `.json`). Default: none, i.e. the built-in default policy. */
  policyFile?: string;
  /** Watch `policyFile` and reload it on change (debounced). Default true when a policy file is given. */
  watchPolicy?: boolean;
  /**
   * A batch is sealed at `maxEntries` entries or `maxDelayMs` after its first entry, whichever comes first.
   * A batch that follows another back to back (under load) and is not full starts no sooner than
   * `minIntervalMs` after the previous one started; the first batch after an idle moment does not wait.
   */
  batch?: { maxEntries?: number; maxDelayMs?: number; minIntervalMs?: number };
  /** Registrations being verified or queued, at most. Beyond it `submit` throws ERR_LOG_PUSHBACK. Default 10,000. */
  queueLimit?: number;
  /** The P-256 receipt's algorithm label: 'ES256' (-7, default, what deployed verifiers know) or 'ESP256' (-9). */
  receiptAlg?: 'ES256' | 'ESP256';
  /** Also sign every tree head with the ML-DSA-65 key and issue a second receipt. Default true. */
  pqReceipts?: boolean;
  /**
   * Worker threads for agent signature checks. Default max(2, cores-1); 0 checks on the main thread. Two on a
   * 2-core machine: ML-DSA-65 registrations measured 354/s with one, 437-468/s with two (docs/benchmarks.md).
   */
  verifyWorkers?: number;
  /** Check EC and EdDSA agent signatures on the main thread, only ML-DSA in the workers. Default false (verify-pool.ts). */
  inlineFastVerify?: boolean;
  /** Sign ML-DSA tree heads in a worker thread (the main thread keeps serving meanwhile). Default true. */
  signWorker?: boolean;
  /** RFC 3161 time-stamping: every signed tree head is anchored with each of these. Default none. */
  timestampers?: Timestamper[];
  /** How long a batch waits for a TSA before the head is left unanchored (retried later). Default 2000 ms. */
  anchorTimeoutMs?: number;
  /** First retry delay for unanchored heads; doubles up to 60 s. Default 1000 ms. */
  anchorRetryMs?: number;
  /**
   * Anchor at most once per this many ms (paid TSAs); heads in between are skipped, not counted as
   * unanchored (spec/anchoring.md). Default 0: every tree head.
   */
  anchorIntervalMs?: number;
  /** Finished operations remembered in memory for `operation()`. Default 10,000. */
  operationsLimit?: number;
  /** Debounce of policy file change events. Default 200 ms. */
  policyDebounceMs?: number;
  /** Logger (pino-compatible). Default: a silent logger. */
  logger?: ServiceLogger;
  /** The C2SP views of the log: checkpoint notes, tiles, witnesses (spec/tlog.md). */
  tlog?: TlogOptionsInput;
}

/** Options of the C2SP views (spec/tlog.md section 9); every member is optional. */
export interface TlogOptionsInput {
  /**
   * False: no note keys, no checkpoint notes, nothing under `/tlog/` (404); the other members are checked but unused:
   * the service as it was before the C2SP views. For measuring their cost (`npm run bench -- tiles`) and for
   * embedders that want none. Default true.
   */
  enabled?: boolean;
  /**
   * Checkpoint origin, also the name of the note keys. Default: the issuer without its scheme and trailing
   * slashes, followed by `/tlog` (`https://log.example` gives `log.example/tlog`).
   */
  origin?: string;
  /** Witnesses to submit checkpoints to: `URL=VKEY` (a witness with two keys given twice), or parsed. Default none. */
  witnesses?: readonly (string | WitnessTarget)[];
  /** Distinct witnesses that must cosign a checkpoint before it is published. Default 0. */
  quorum?: number;
  /** Least time between two witness rounds, in ms. Default 1000. */
  witnessIntervalMs?: number;
  /** Longest wait for one witness answer, in ms. Default 10,000. */
  witnessTimeoutMs?: number;
  /** Also write the published checkpoint and its tiles into this directory (tile-mirror.ts). Default none. */
  tilesDir?: string;
  /** Least time between two writes of the tiles directory, in ms. Default 1000. */
  tilesIntervalMs?: number;
}

/** TlogOptionsInput with every default filled in. */
export interface TlogOptions {
  enabled: boolean;
  origin: string;
  witnesses: WitnessTarget[];
  quorum: number;
  witnessIntervalMs: number;
  witnessTimeoutMs: number;
  tilesDir: string | undefined;
  tilesIntervalMs: number;
}

/** Options with every default filled in. */
export interface ServiceOptions {
  dataDir: string;
  storage: StorageOpener;
  issuer: string;
  policyFile: string | undefined;
  watchPolicy: boolean;
  batch: { maxEntries: number; maxDelayMs: number; minIntervalMs: number };
  queueLimit: number;
  receiptAlg: 'ES256' | 'ESP256';
  pqReceipts: boolean;
  verifyWorkers: number;
  inlineFastVerify: boolean;
  signWorker: boolean;
  timestampers: Timestamper[];
  anchorTimeoutMs: number;
  anchorRetryMs: number;
  anchorIntervalMs: number;
  operationsLimit: number;
  policyDebounceMs: number;
  logger: ServiceLogger;
  tlog: TlogOptions;
}

const silent: ServiceLogger = { info() {}, warn() {}, error() {}, debug() {} };

function positiveInt(v: unknown, name: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new AtlogError('ERR_SERVICE_OPTIONS', `${name} must be an integer >= ${min}`, { details: { field: name } });
  }
  return v;
}

/**
 * Fills every default of the service options and validates what was given.
 * Defaults: dataDir './data', LevelDB storage in `<dataDir>/log`, issuer 'http://127.0.0.1:8080', no policy file (built-in default policy),
 * batch 512 entries / 5 ms / at least 40 ms apart under load, queueLimit 10,000, receiptAlg 'ES256', pqReceipts true, verifyWorkers
 * max(2, cores-1), inlineFastVerify false, signWorker true, no timestampers, anchorTimeoutMs 2000,
 * anchorRetryMs 1000, anchorIntervalMs 0, operationsLimit 10,000, policyDebounceMs 200, a silent logger; tlog: the
 * origin from the issuer, no witnesses, quorum 0, witness rounds 1000 ms apart with 10 s answers, no tiles
 * directory, tiles written at most every 1000 ms.
 * @throws AtlogError ERR_SERVICE_OPTIONS naming the field when a value is out of range.
 */
export function resolveServiceOptions(input: ServiceOptionsInput = {}): ServiceOptions {
  const issuer = input.issuer ?? 'http://127.0.0.1:8080';
  try {
    new URL(issuer);
  } catch {
    throw new AtlogError('ERR_SERVICE_OPTIONS', 'issuer must be a URI', { details: { field: 'issuer' } });
  }
  const receiptAlg = input.receiptAlg ?? 'ES256';
  if (receiptAlg !== 'ES256' && receiptAlg !== 'ESP256') {
    throw new AtlogError('ERR_SERVICE_OPTIONS', "receiptAlg must be 'ES256' or 'ESP256'", { details: { field: 'receiptAlg' } });
  }
  const storage = input.storage ?? levelDbIn;
  if (typeof storage !== 'function') {
    throw new AtlogError('ERR_SERVICE_OPTIONS', 'storage must be a function that opens the log storage', { details: { field: 'storage' } });
  }
  const timestampers = input.timestampers ?? [];
  if (!Array.isArray(timestampers)) {
    throw new AtlogError('ERR_SERVICE_OPTIONS', 'timestampers must be an array', { details: { field: 'timestampers' } });
  }
  return {
    dataDir: resolve(input.dataDir ?? './data'),
    storage,
    issuer,
    policyFile: input.policyFile === undefined ? undefined : resolve(input.policyFile),
    watchPolicy: input.watchPolicy ?? input.policyFile !== undefined,
    // Measured on the shared 2-core dev machine (3000 ES256 registrations submitted at once, two tree heads
    // per batch, no TSA): 64/5 ms gave 690 reg/s, 512/5 ms 1400 reg/s, 512/20 ms 840 reg/s, 2048/5 ms
    // 1090 reg/s; one registration alone took ~25 ms at 5 ms and ~80 ms at 20 ms. Under load, the write time of
    // the batch in flight is what fills the next batch, so the timer only matters for a lone client.
    batch: {
      maxEntries: positiveInt(input.batch?.maxEntries ?? 512, 'batch.maxEntries'),
      maxDelayMs: positiveInt(input.batch?.maxDelayMs ?? 5, 'batch.maxDelayMs', 0),
      // Every batch costs two tree-head signatures (ML-DSA-65: ~8 ms of CPU), a TSA round and a synced write.
      // Under load the next batch would start as soon as the previous one is appended, and with slow
      // arrivals (ML-DSA-65 agents, whose checks take ~2 ms each) batches stay small. Measured on the 2-core
      // machine (npm run bench -- http, 3,000 ML-DSA-65 registrations, interleaved): 0 ms gave batches of
      // 14-15, 489-498 reg/s, p99 540-545 ms; 40 ms gave batches of 26, 541-559 reg/s, p99 469-486 ms. ESP256
      // batches take longer than 40 ms to write anyway, and the first batch after an idle moment never waits.
      minIntervalMs: positiveInt(input.batch?.minIntervalMs ?? 40, 'batch.minIntervalMs', 0),
    },
    queueLimit: positiveInt(input.queueLimit ?? 10_000, 'queueLimit'),
    receiptAlg,
    pqReceipts: input.pqReceipts ?? true,
    verifyWorkers: positiveInt(input.verifyWorkers ?? Math.max(2, availableParallelism() - 1), 'verifyWorkers', 0),
    inlineFastVerify: input.inlineFastVerify ?? false,
    signWorker: input.signWorker ?? true,
    timestampers,
    anchorTimeoutMs: positiveInt(input.anchorTimeoutMs ?? 2000, 'anchorTimeoutMs'),
    anchorRetryMs: positiveInt(input.anchorRetryMs ?? 1000, 'anchorRetryMs'),
    anchorIntervalMs: positiveInt(input.anchorIntervalMs ?? 0, 'anchorIntervalMs', 0),
    operationsLimit: positiveInt(input.operationsLimit ?? 10_000, 'operationsLimit'),
    policyDebounceMs: positiveInt(input.policyDebounceMs ?? 200, 'policyDebounceMs', 0),
    logger: input.logger ?? silent,
    tlog: resolveTlogOptions(input.tlog ?? {}, issuer),
  };
}

/** spec/tlog.md section 1: the issuer without its scheme and trailing slashes, then `/tlog`. */
export function defaultOrigin(issuer: string): string {
  return `${issuer.replace(/^[a-z][a-z0-9+.-]*:(\/\/)?/i, '').replace(/\/+$/, '')}/tlog`;
}

/**
 * Fills the defaults of the C2SP views (see TlogOptionsInput).
 * @throws AtlogError ERR_SERVICE_OPTIONS for an origin that is not a valid note key name, a bad witness or a
 *   quorum above the number of witnesses.
 */
function resolveTlogOptions(t: TlogOptionsInput, issuer: string): TlogOptions {
  const bad = (field: string, why: string): AtlogError => new AtlogError('ERR_SERVICE_OPTIONS', `tlog.${field} ${why}`, { details: { field: `tlog.${field}` } });
  const origin = t.origin ?? defaultOrigin(issuer);
  if (!isValidKeyName(origin)) throw bad('origin', `${JSON.stringify(origin)} is not a valid note key name (no spaces, no +, at most 255 bytes): set one`);
  const given = t.witnesses ?? [];
  if (!Array.isArray(given)) throw bad('witnesses', 'must be an array');
  const witnesses = [...parseWitnesses(given.filter((w): w is string => typeof w === 'string')), ...given.filter((w): w is WitnessTarget => typeof w !== 'string')];
  if (new Set(witnesses.map((w) => w.name)).size !== witnesses.length) throw bad('witnesses', 'names a witness twice');
  const quorum = positiveInt(t.quorum ?? 0, 'tlog.quorum', 0);
  if (quorum > witnesses.length) throw bad('quorum', `${quorum} is more than the ${witnesses.length} witnesses given`);
  if (t.enabled !== undefined && typeof t.enabled !== 'boolean') throw bad('enabled', 'must be true or false');
  return {
    enabled: t.enabled ?? true,
    origin,
    witnesses,
    quorum,
    witnessIntervalMs: positiveInt(t.witnessIntervalMs ?? 1000, 'tlog.witnessIntervalMs', 0),
    witnessTimeoutMs: positiveInt(t.witnessTimeoutMs ?? 10_000, 'tlog.witnessTimeoutMs'),
    tilesDir: t.tilesDir === undefined ? undefined : resolve(t.tilesDir),
    tilesIntervalMs: positiveInt(t.tilesIntervalMs ?? 1000, 'tlog.tilesIntervalMs', 0),
  };
}
