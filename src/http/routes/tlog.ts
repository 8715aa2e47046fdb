import { Router, type NextFunction, type Request, type Response } from 'express';
import { parseTilePath } from '../../tlog/index.js';
import type { HttpContext } from '../context.js';
import { httpError } from '../problems.js';

/**
 * The log as C2SP tlog-tiles under `/tlog/` (spec/tlog.md section 6, docs/api.md "Tiles"): the published
 * checkpoint note, the note verifier keys, hash tiles and entry bundles. Open to any origin (CORS), so a
 * browser can verify; tiles and bundles never change, so they are cacheable forever, and the checkpoint for a
 * few seconds (tlog-tiles: "SHOULD prevent caching beyond a few seconds").
 */

const TEXT = 'text/plain; charset=utf-8';
const BINARY = 'application/octet-stream';
export const CHECKPOINT_CACHE = 'public, max-age=2';
export const TILE_CACHE = 'public, max-age=31536000, immutable';

export function tlogRouter(ctx: HttpContext): Router {
  const r = Router();
  const tlog = (): NonNullable<HttpContext['service']['tlog']> => {
    const t = ctx.service.tlog;
    if (t === undefined) throw httpError('ERR_HTTP_NOT_FOUND', 'this service publishes no tiles');
    return t;
  };

  r.use('/tlog', (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method !== 'OPTIONS') return next();
    // A CORS preflight (a browser sends one for requests with extra headers).
    res.status(204).set({ 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': '*', 'Access-Control-Max-Age': '86400' }).end();
  });

  r.get('/tlog/checkpoint', async (_req: Request, res: Response) => {
    const note = await tlog().checkpoint();
    if (note === undefined) throw httpError('ERR_HTTP_NOT_FOUND', 'no checkpoint has been published yet');
    res.status(200).set({ 'Content-Type': TEXT, 'Cache-Control': CHECKPOINT_CACHE }).send(Buffer.from(note));
  });

  r.get('/tlog/vkey', async (_req: Request, res: Response) => {
    res.status(200).set({ 'Content-Type': TEXT, 'Cache-Control': 'public, max-age=300' }).send(`${tlog().vkeys.join('\n')}\n`);
  });

  r.get('/tlog/tile/*path', async (req: Request, res: Response) => {
    const t = tlog();
    // Only the canonical spelling of a path is a tile (parseTilePath: ERR_TILE_PATH_INVALID, answered 404).
    const p = parseTilePath(req.path.slice('/tlog/'.length));
    const bytes = p.kind === 'entries' ? await t.entryBundle(p.index, p.width) : await t.tile(p.level, p.index, p.width);
    if (bytes === undefined) throw httpError('ERR_HTTP_NOT_FOUND', `${req.path} is not in the log (yet)`);
    res.status(200).set({ 'Content-Type': BINARY, 'Cache-Control': TILE_CACHE }).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  return r;
}
