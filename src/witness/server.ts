import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadWitnessKeys, parseLogs, resolveWitnessOptions, vkeysOf, type WitnessOptions } from './config.js';
import { WitnessStore } from './store.js';
import { Witness, type WitnessAnswer, type WitnessLogger } from './witness.js';

/**
 * The witness over HTTP (node:http, keep-alive on): `POST /add-checkpoint` and `GET /<origin hash>/checkpoint`,
 * the submission and monitoring prefixes both being the server root.
 */

export interface RunningWitness {
  readonly url: string;
  readonly port: number;
  readonly name: string;
  readonly vkeys: readonly string[];
  readonly witness: Witness;
  /** Stop accepting, finish requests in flight, close the state store. */
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';

function send(res: ServerResponse, a: Pick<WitnessAnswer, 'status' | 'contentType' | 'body'>, extra: Record<string, string> = {}): void {
  res.writeHead(a.status, { 'Content-Type': a.contentType, 'Cache-Control': 'no-store', ...extra });
  res.end(a.body);
}

/** Read a request body up to `limit` bytes; undefined when it is larger (the rest is drained, not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/**
 * Load keys and logs, open the state directory and listen. Logs one `listening` line with the URL, the
 * witness name and its vkeys.
 * @throws AtlogError `ERR_WITNESS_CONFIG`, `ERR_KEY_NOTE_*`, `ERR_WITNESS_LOCKED`, `ERR_WITNESS_IO`; listen errors.
 */
export async function startWitnessServer(options: WitnessOptions, logger: WitnessLogger & { info(obj: object, msg: string): void }): Promise<RunningWitness> {
  const o = resolveWitnessOptions(options);
  const signers = loadWitnessKeys(o.keyFile);
  const logs = parseLogs(o.logs);
  const store = await WitnessStore.open(o.dataDir);
  let witness: Witness;
  try {
    witness = new Witness({ signers, logs, store, logger });
  } catch (e) {
    await store.close();
    throw e;
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/add-checkpoint') {
      if (req.method !== 'POST') return send(res, { status: 405, contentType: TEXT, body: 'use POST\n' }, { Allow: 'POST' });
      const body = await readBody(req, o.maxBodyBytes);
      if (body === undefined) return send(res, { status: 413, contentType: TEXT, body: `ERR_WITNESS_REQUEST_TOO_LARGE: more than ${o.maxBodyBytes} bytes\n` });
      return send(res, await witness.addCheckpoint(body));
    }
    const m = /^\/([0-9a-f]{64})\/checkpoint$/.exec(path);
    if (m) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, { status: 405, contentType: TEXT, body: 'use GET\n' }, { Allow: 'GET, HEAD' });
      return send(res, await witness.checkpoint(m[1]!));
    }
    send(res, { status: 404, contentType: TEXT, body: 'not found\n' });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'request failed');
      if (!res.headersSent) send(res, { status: 500, contentType: TEXT, body: 'internal error\n' });
      else res.destroy();
    });
  });
  const addr = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: o.port, host: o.host }, () => resolve(server.address() as AddressInfo));
  }).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.port}`;
  const vkeys = vkeysOf(signers);
  logger.info({ url, port: addr.port, name: witness.name, vkeys, logs: [...logs.keys()], dataDir: o.dataDir }, 'listening');
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }).then(() => store.close()));
  return { url, port: addr.port, name: witness.name, vkeys, witness, close };
}
