import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 whose answers a test scripts request by request, to drive the client through
 * what other SCRAPI services (or a bad network) do: 202/204, 303/302, 429, 503, dropped connections, hangs.
 */

/** One request as the server saw it. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Uint8Array;
}

/** Answers request number `n` (from 0); may leave `res` unanswered (a hang) or destroy the socket (a drop). */
export type Script = (req: Seen, res: ServerResponse, n: number) => void;

export interface ScriptServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** Starts a scripted server on an ephemeral port. */
export async function scriptServer(script: Script): Promise<ScriptServer> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: new Uint8Array(Buffer.concat(chunks)) };
      seen.push(s);
      script(s, res, seen.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Ends `res` with a status, headers and an optional body. */
export function answer(res: ServerResponse, status: number, headers: Record<string, string> = {}, body?: Uint8Array | string): void {
  res.writeHead(status, headers);
  res.end(body === undefined ? undefined : typeof body === 'string' ? body : Buffer.from(body));
}
