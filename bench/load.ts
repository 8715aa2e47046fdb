import { connect, type Socket } from 'node:net';

/**
 * A lean HTTP/1.1 load generator for the http bench: `connections` keep-alive sockets, each with one request
 * outstanding, requests serialized once up front, responses parsed only as far as the status code and the
 * body length. It exists because autocannon spends most of a core per few thousand requests/s on its own
 * bookkeeping, and on a 2-core machine that CPU is taken from the server being measured. Results are checked:
 * every response must be complete and well formed, and a malformed one fails the run.
 */

export interface LoadOptions {
  /** `http://host:port` */
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** One body per request (POST), or undefined for `amount` bodiless requests. */
  readonly bodies?: readonly Uint8Array[];
  /** Requests to send (default: the number of bodies). */
  readonly amount?: number;
  readonly connections: number;
  /** Per-request timeout in ms (default 30,000): the run fails if a response takes longer. */
  readonly timeoutMs?: number;
  /**
   * A request each connection sends once, unmeasured, before the measured requests start (all of them at the
   * same moment, once every connection has its answer). Without it, connection setup is measured: a busy node
   * server accepts new connections slowly (about one per event-loop turn), so the first requests of
   * connections opened while others already load it wait a second or more.
   */
  readonly prime?: { readonly method: 'GET'; readonly path: string };
}

export interface LoadResult {
  /** Responses by status code. */
  readonly statuses: ReadonlyMap<number, number>;
  /** Latency of every response in ms (request written to response complete), sorted. */
  readonly latencies: Float64Array;
  /** From the first request written to the last response complete, in seconds. */
  readonly seconds: number;
}

/** The p-th percentile (0-100) of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function requestBytes(o: LoadOptions, host: string, body: Uint8Array | undefined): Buffer {
  const lines = [`${o.method} ${o.path} HTTP/1.1`, `host: ${host}`, 'connection: keep-alive'];
  for (const [k, v] of Object.entries(o.headers ?? {})) lines.push(`${k}: ${v}`);
  if (body !== undefined) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body === undefined ? head : Buffer.concat([head, body]);
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * Parses responses from a byte stream: status line, headers, then a Content-Length or chunked body.
 * `push` returns the status codes of the responses completed by this chunk.
 */
class ResponseParser {
  private buf: Buffer = Buffer.alloc(0);
  private status = 0;
  /** Body bytes still expected (content-length), or -1 while reading headers, or -2 for a chunked body. */
  private remaining = -1;

  push(chunk: Buffer): number[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const done: number[] = [];
    for (;;) {
      if (this.remaining === -1) {
        const end = this.buf.indexOf(CRLFCRLF);
        if (end < 0) return done;
        const head = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end + 4);
        const m = /^HTTP\/1\.1 (\d{3}) /.exec(head);
        if (m === null) throw new Error(`malformed response head: ${JSON.stringify(head.slice(0, 80))}`);
        this.status = Number(m[1]);
        const len = /\r\ncontent-length: *(\d+)/i.exec(head);
        if (len !== null) this.remaining = Number(len[1]);
        else if (/\r\ntransfer-encoding: *chunked/i.test(head)) this.remaining = -2;
        else this.remaining = 0;
      }
      if (this.remaining === -2) {
        const end = this.chunkedEnd();
        if (end < 0) return done;
        this.buf = this.buf.subarray(end);
      } else {
        if (this.buf.length < this.remaining) return done;
        this.buf = this.buf.subarray(this.remaining);
      }
      this.remaining = -1;
      done.push(this.status);
    }
  }

  /** Offset just past the end of a complete chunked body at the start of `buf`, or -1. */
  private chunkedEnd(): number {
    let at = 0;
    for (;;) {
      const eol = this.buf.indexOf('\r\n', at);
      if (eol < 0) return -1;
      const size = Number.parseInt(this.buf.toString('latin1', at, eol), 16);
      if (!Number.isFinite(size)) throw new Error('malformed chunked body');
      at = eol + 2 + size + 2;
      if (at > this.buf.length) return -1;
      if (size === 0) return at;
    }
  }
}

/** Send the requests and wait for every response. Rejects on a socket error, a timeout or a malformed response. */
export async function load(o: LoadOptions): Promise<LoadResult> {
  const u = new URL(o.url);
  const amount = o.amount ?? o.bodies?.length ?? 0;
  const bodies = o.bodies;
  const requests: Buffer[] = [];
  if (bodies === undefined) {
    const one = requestBytes(o, u.host, undefined);
    for (let i = 0; i < amount; i++) requests.push(one);
  } else {
    for (let i = 0; i < amount; i++) requests.push(requestBytes(o, u.host, bodies[i % bodies.length]));
  }
  const statuses = new Map<number, number>();
  const latencies = new Float64Array(amount);
  let next = 0;
  let completed = 0;
  let t0 = 0;
  let last = 0;
  const timeoutMs = o.timeoutMs ?? 30_000;

  await new Promise<void>((resolve, reject) => {
    const sockets: Socket[] = [];
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      for (const s of sockets) s.destroy();
      reject(e);
    };
    const open = Math.min(o.connections, amount);
    if (open === 0) return resolve();
    let closed = 0;
    let primed = 0;
    const starters: Array<() => void> = [];
    const primeBytes = o.prime === undefined ? undefined : requestBytes({ ...o, ...o.prime, headers: {} }, u.host, undefined);
    const begin = (): void => {
      t0 = performance.now();
      for (const start of starters) start();
    };
    const openConnection = (): void => {
      const s = connect({ host: u.hostname, port: Number(u.port), noDelay: true });
      sockets.push(s);
      const parser = new ResponseParser();
      let sentAt = 0;
      let current = -1;
      let priming = primeBytes !== undefined;
      const send = (): void => {
        if (next >= amount) return void s.end();
        current = next++;
        sentAt = performance.now();
        s.write(requests[current]!);
      };
      s.setTimeout(timeoutMs, () => fail(new Error(`no response within ${timeoutMs} ms`)));
      s.on('connect', () => {
        if (priming) s.write(primeBytes!);
        else send();
      });
      s.on('error', fail);
      s.on('close', () => {
        if (completed === amount) return;
        if (current >= 0 || priming) return fail(new Error('the server closed a connection with a request outstanding'));
        if (++closed === open) fail(new Error(`every connection closed after ${completed} of ${amount} responses`));
      });
      s.on('data', (chunk: Buffer) => {
        let codes: number[];
        try {
          codes = parser.push(chunk);
        } catch (e) {
          return fail(e as Error);
        }
        for (const code of codes) {
          if (priming) {
            if (code >= 400) return fail(new Error(`priming request answered ${code}`));
            priming = false;
            starters.push(send);
            if (++primed === open) begin();
            continue;
          }
          if (current < 0) return fail(new Error('response without a request'));
          last = performance.now();
          latencies[completed++] = last - sentAt;
          statuses.set(code, (statuses.get(code) ?? 0) + 1);
          current = -1;
          if (completed === amount) {
            for (const x of sockets) x.end();
            return resolve();
          }
          send();
        }
      });
    };
    for (let c = 0; c < open; c++) openConnection();
    if (primeBytes === undefined) t0 = performance.now();
  });
  latencies.sort();
  return { statuses, latencies, seconds: (last - t0) / 1000 };
}
