import { readFile } from 'node:fs/promises';
import { AtlogError } from '../errors.js';
import { HttpTsaClient } from '../tsa/client.js';
import type { Timestamper } from '../tsa/timestamper.js';
import { normalizeRoots } from '../x509/pem.js';
import { EmbeddedTsa } from './embedded.js';

/**
 * The service's trusted time from its configuration (`--tsa`, `--tsa-root`; Node-only: it reads root files and
 * opens the embedded TSA's directory): one Timestamper per TSA, and every root a verifier of this service pins.
 */

/** The logger createTimestampers reports the embedded TSA with (pino's shape, narrowed). */
export interface TimestampersLogger {
  info(obj: object, msg?: string): void;
}

export interface CreateTimestampersOptions {
  /** `embedded`, `none`, or a comma-separated list of TSA URLs (`embedded` may appear in the list too). */
  tsa: string;
  /** PEM files with the roots of the external TSAs (each may hold several certificates). */
  tsaRoots?: string[];
  /** The service data directory; the embedded TSA lives in `<dataDir>/tsa/`. */
  dataDir: string;
  logger?: TimestampersLogger;
  /** HTTP client settings for external TSAs. Defaults: 10 000 ms, 2 retries. */
  timeoutMs?: number;
  retries?: number;
}

export interface Timestampers {
  timestampers: Timestamper[];
  /** Every trusted TSA root (DER): the embedded root first when present, then the `tsaRoots` certificates. */
  roots: Uint8Array[];
  embedded?: EmbeddedTsa;
}

/**
 * Build the Timestampers for `--tsa` / `--tsa-root`.
 * @throws AtlogError `ERR_TSA_CONFIG` for an empty or unknown `tsa` entry, external URLs without roots, or a
 *   root file that cannot be read; `ERR_TSA_MALFORMED` when a root file holds no certificate; `ERR_TSA_STORE`
 *   for a damaged embedded TSA.
 */
export async function createTimestampers(opts: CreateTimestampersOptions): Promise<Timestampers> {
  const entries = opts.tsa.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length === 0) throw new AtlogError('ERR_TSA_CONFIG', '--tsa is empty (use "none" to disable timestamping)');
  if (entries.includes('none') && entries.length > 1) throw new AtlogError('ERR_TSA_CONFIG', '--tsa none cannot be combined with other TSAs');
  const externalRoots: Uint8Array[] = [];
  for (const file of opts.tsaRoots ?? []) {
    let pem: string;
    try {
      pem = await readFile(file, 'utf8');
    } catch (e) {
      throw new AtlogError('ERR_TSA_CONFIG', `cannot read the TSA root file ${file}`, { cause: e });
    }
    for (const c of normalizeRoots([pem])) externalRoots.push(c.der);
  }
  const timestampers: Timestamper[] = [];
  let embedded: EmbeddedTsa | undefined;
  for (const e of entries) {
    if (e === 'none') continue;
    if (e === 'embedded') {
      if (embedded) continue;
      embedded = await EmbeddedTsa.open(opts.dataDir);
      timestampers.push(embedded);
      opts.logger?.info({ tsa: 'embedded', policy: embedded.policy }, 'embedded TSA ready');
      continue;
    }
    if (!/^https?:\/\//i.test(e)) throw new AtlogError('ERR_TSA_CONFIG', `--tsa entry "${e}" is neither "embedded", "none" nor an http(s) URL`);
    if (externalRoots.length === 0) throw new AtlogError('ERR_TSA_CONFIG', `TSA ${e} needs its root certificate (--tsa-root FILE)`);
    timestampers.push(new HttpTsaClient(e, { roots: externalRoots, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(opts.retries !== undefined ? { retries: opts.retries } : {}) }));
  }
  return { timestampers, roots: [...(embedded ? [embedded.rootDer] : []), ...externalRoots], ...(embedded ? { embedded } : {}) };
}
