import { Router, type Request, type Response } from 'express';
import { cborEncode } from '../../cose/cbor.js';
import { toBase64Url, toHex } from '../../util/bytes.js';
import type { HttpContext } from '../context.js';
import { parseSize } from '../ids.js';
import { MT_CBOR, MT_COSE, MT_JSON, prefersJson } from '../media.js';
import { httpError } from '../problems.js';
import { pickReceipt, receiptIndex } from './receipt-choice.js';

/**
 * Read-only views of the log beyond SCRAPI: the latest checkpoint, consistency receipts between two tree
 * sizes, and the entries of one agent session (spec/api.md).
 */
export function logViewsRouter(ctx: HttpContext): Router {
  const r = Router();

  r.get('/checkpoint', async (req: Request, res: Response) => {
    const cp = await ctx.service.latestCheckpoint();
    if (cp === undefined) throw httpError('ERR_HTTP_NOT_FOUND', 'the log is empty: no checkpoint has been signed yet');
    res.setHeader('Cache-Control', 'no-cache');
    if (prefersJson(req.headers.accept)) {
      res.status(200).type(MT_JSON).send(
        JSON.stringify({
          treeSize: cp.treeSize,
          root: toHex(cp.root),
          signedTreeHeads: cp.signedTreeHeads.map((b) => toBase64Url(b)),
          anchored: cp.anchored,
        }),
      );
      return;
    }
    const body = new Map<string, unknown>([
      ['treeSize', cp.treeSize],
      ['root', cp.root],
      ['signedTreeHeads', cp.signedTreeHeads],
      ['anchored', cp.anchored],
    ]);
    res.status(200).type(MT_CBOR).send(Buffer.from(cborEncode(body)));
  });

  r.get('/proofs/consistency', async (req: Request, res: Response) => {
    const which = receiptIndex(req.query.alg);
    const from = parseSize(req.query.from);
    const to = parseSize(req.query.to);
    if (from === undefined || to === undefined || from < 1 || from > to) {
      throw httpError('ERR_HTTP_MALFORMED', 'from and to must be decimal tree sizes with 1 <= from <= to');
    }
    const cp = await ctx.service.latestCheckpoint();
    if (cp === undefined || to > cp.treeSize) throw httpError('ERR_HTTP_NOT_FOUND', `no signed tree head of size ${to} yet`);
    const got = await ctx.service.consistencyReceipt(from, to);
    if (got === undefined) throw httpError('ERR_HTTP_NOT_FOUND', `no signed tree head of size ${to}`);
    const list = got instanceof Uint8Array ? [got] : got;
    res.status(200).type(MT_COSE).send(Buffer.from(pickReceipt(list, which)));
  });

  r.get('/agents/:agent/sessions/:session', async (req: Request, res: Response) => {
    const agentId = String(req.params.agent);
    const sessionId = String(req.params.session);
    const entries = await ctx.service.sessionEntries(agentId, sessionId);
    if (entries.length === 0) throw httpError('ERR_HTTP_NOT_FOUND', 'no entries are known for this agent session');
    res.status(200).type(MT_JSON).send(JSON.stringify({ agentId, sessionId, entries }));
  });

  // spec/bundle.md: everything an auditor needs to check one session offline (`atlog verify --bundle`).
  r.get('/agents/:agent/sessions/:session/bundle', async (req: Request, res: Response) => {
    const bundle = ctx.service.sessionBundle ? await ctx.service.sessionBundle(String(req.params.agent), String(req.params.session)) : undefined;
    if (bundle === undefined) throw httpError('ERR_HTTP_NOT_FOUND', 'no bundle is available for this agent session');
    res.status(200).type(MT_CBOR).send(Buffer.from(bundle));
  });

  return r;
}
