import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { cborEncode } from '../../cose/cbor.js';
import type { PagedCheckpoint, PagedEntry } from '../../service/pages.js';
import type { HttpContext } from '../context.js';
import type { LogPagesPort } from '../port.js';
import { parseSize } from '../ids.js';
import { MT_JSON } from '../media.js';
import { httpError } from '../problems.js';

/**
 * Paged reads for exporters and monitors (spec/api.md section 4 "Pages"): CBOR sequences (RFC 8742) written
 * item by item as the service produces them, so a page never sits whole in memory and a client can stop early.
 */

export const MT_CBOR_SEQ = 'application/cbor-seq';

function pagesOf(ctx: HttpContext): LogPagesPort {
  if (!ctx.service.pages) throw httpError('ERR_HTTP_NOT_FOUND', 'this service does not serve paged reads');
  return ctx.service.pages;
}

/** An optional decimal query value; a present but malformed one is 400. */
function optionalNumber(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = parseSize(v);
  if (n === undefined) throw httpError('ERR_HTTP_MALFORMED', `${name} must be a decimal number`);
  return n;
}

/**
 * Streams `items` as a CBOR sequence. The first item is awaited before the status is sent, so an argument error
 * is still a problem answer; a failure after that cuts the connection (the client sees a truncated sequence and
 * the CBOR reader refuses it), since a 200 cannot be taken back.
 */
async function sendSeq<T>(res: Response, items: AsyncGenerator<T>, encode: (item: T) => Uint8Array): Promise<void> {
  const first = await items.next();
  res.status(200).type(MT_CBOR_SEQ);
  res.setHeader('Cache-Control', 'no-cache');
  try {
    for (let r = first; !r.done; r = await items.next()) {
      if (!res.write(encode(r.value))) await once(res, 'drain');
    }
    res.end();
  } catch (e) {
    res.destroy(e instanceof Error ? e : new Error(String(e)));
  }
}

const entryItem = (e: PagedEntry): Uint8Array =>
  cborEncode(new Map<string, unknown>([['index', e.index], ['treeSize', e.treeSize], ['statement', e.statement]]));

const checkpointItem = (c: PagedCheckpoint): Uint8Array => {
  const m = new Map<string, unknown>([['treeSize', c.treeSize], ['root', c.root], ['signedTreeHeads', c.signedTreeHeads], ['anchored', c.anchored]]);
  if (c.consistency !== undefined) m.set('consistency', c.consistency);
  return cborEncode(m);
};

export function logPagesRouter(ctx: HttpContext): Router {
  const r = Router();

  // Entries [from, from + limit) below the newest checkpoint. Without `from` this is not a page read.
  r.get('/entries', async (req: Request, res: Response) => {
    const from = optionalNumber(req.query.from, 'from');
    if (from === undefined) throw httpError('ERR_HTTP_MALFORMED', 'GET /entries needs ?from=N (and optionally &limit=M)');
    await sendSeq(res, pagesOf(ctx).entries(from, optionalNumber(req.query.limit, 'limit')), entryItem);
  });

  r.get('/checkpoints', async (req: Request, res: Response) => {
    const from = optionalNumber(req.query.from, 'from') ?? 1;
    const items = pagesOf(ctx).checkpointPage(from, optionalNumber(req.query.limit, 'limit'), optionalNumber(req.query.to, 'to'));
    await sendSeq(res, items, checkpointItem);
  });

  r.get('/agents/:agent/sessions', async (req: Request, res: Response) => {
    const agentId = String(req.params.agent);
    const after = req.query.after;
    if (after !== undefined && (typeof after !== 'string' || after === '')) throw httpError('ERR_HTTP_MALFORMED', 'after must be a session id');
    const sessions = await pagesOf(ctx).agentSessions(agentId, { ...(after ? { after } : {}), ...(req.query.limit !== undefined ? { limit: optionalNumber(req.query.limit, 'limit')! } : {}) });
    if (sessions.length === 0 && after === undefined) throw httpError('ERR_HTTP_NOT_FOUND', 'no sessions are known for this agent');
    res.status(200).type(MT_JSON).send(JSON.stringify({ agentId, sessions }));
  });

  r.get('/agents/:agent/sessions/:session/entries', async (req: Request, res: Response) => {
    const from = optionalNumber(req.query.from, 'from') ?? 0;
    const items = pagesOf(ctx).sessionEntries(String(req.params.agent), String(req.params.session), from, optionalNumber(req.query.limit, 'limit'));
    await sendSeq(res, items, entryItem);
  });

  return r;
}
