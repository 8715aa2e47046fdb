import { timingSafeEqual, createHash } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { parseKeyFile } from '../../keys/parse.js';
import { fromBase64Url, fromHex } from '../../util/bytes.js';
import { readBody } from '../body.js';
import type { HttpContext } from '../context.js';
import { MT_JSON } from '../media.js';
import { httpError } from '../problems.js';

/**
 * Admin endpoints under /admin: issuer keys and the Registration Policy (spec/api.md "Admin").
 * They require `Authorization: Bearer <ATLOG_ADMIN_TOKEN>`. Without a configured token they do not exist
 * (404), so a forgotten token never leaves an open admin surface.
 */
export function adminRouter(ctx: HttpContext): Router {
  const r = Router();
  const token = ctx.settings.adminToken;
  // Compare digests, so the comparison takes the same time whatever the length of the guess.
  const want = token === undefined ? undefined : createHash('sha256').update(token).digest();

  r.use('/admin', (req: Request, res: Response, next: NextFunction) => {
    if (want === undefined) throw httpError('ERR_HTTP_NOT_FOUND', 'admin endpoints are disabled (no ATLOG_ADMIN_TOKEN)');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const got = createHash('sha256').update(m?.[1] ?? '').digest();
    if (m === null || !timingSafeEqual(got, want)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="atlog-admin"');
      throw httpError('ERR_HTTP_UNAUTHORIZED', 'a valid admin bearer token is required');
    }
    next();
  });

  r.get('/admin/issuers', async (_req: Request, res: Response) => {
    res.status(200).type(MT_JSON).send(JSON.stringify({ issuers: await ctx.service.issuers.list() }));
  });

  // Body: the key file as `atlog keygen` writes it (COSE_Key, COSE_KeySet or PEM); public halves only are kept.
  r.post('/admin/issuers/:iss/keys', async (req: Request, res: Response) => {
    const iss = String(req.params.iss);
    const body = await readBody(req, ctx.settings.bodyLimit);
    const keys = parseKeyFile(body);
    if (keys.length === 0) throw httpError('ERR_HTTP_MALFORMED', 'the key file holds no key');
    for (const k of keys) await ctx.service.issuers.add(iss, 'publicKey' in k ? k.publicKey : k);
    ctx.logger.info({ iss, keys: keys.length }, 'issuer keys added');
    res.status(200).type(MT_JSON).send(JSON.stringify({ issuers: await ctx.service.issuers.list() }));
  });

  // Revokes one key (?kid= as unpadded base64url, as keygen prints it and the list shows it; hex, which older
  // lists showed, is still accepted) or the whole issuer.
  r.post('/admin/issuers/:iss/revoke', async (req: Request, res: Response) => {
    const iss = String(req.params.iss);
    const q = req.query.kid;
    const kid = typeof q !== 'string' ? undefined : /^[0-9a-f]{64}$/.test(q) ? fromHex(q, 'kid') : fromBase64Url(q, 'kid');
    await ctx.service.issuers.revoke(iss, kid);
    ctx.logger.info({ iss, kid: req.query.kid }, 'issuer revoked');
    res.status(200).type(MT_JSON).send(JSON.stringify({ issuers: await ctx.service.issuers.list() }));
  });

  r.get('/admin/policy', async (_req: Request, res: Response) => {
    res.status(200).type(MT_JSON).send(JSON.stringify(await ctx.service.policyInfo()));
  });

  r.post('/admin/policy/reload', async (_req: Request, res: Response) => {
    await ctx.service.reloadPolicy();
    const info = await ctx.service.policyInfo();
    ctx.logger.info({ policyHash: info.hash }, 'policy reloaded');
    res.status(200).type(MT_JSON).send(JSON.stringify(info));
  });

  return r;
}
