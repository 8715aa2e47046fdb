import { Router, type Request, type Response } from 'express';
import { cborEncode } from '../../cose/cbor.js';
import { exportCoseKey } from '../../keys/cose-key.js';
import { toBase64Url } from '../../util/bytes.js';
import type { HttpContext } from '../context.js';
import { MT_CBOR } from '../media.js';
import { httpError } from '../problems.js';

/**
 * SCRAPI -11 key discovery (/.well-known/scitt-keys and /{kid}) and the older
 * /.well-known/transparency-configuration, kept for clients of earlier drafts.
 */
export function keysRouter(ctx: HttpContext): Router {
  const r = Router();

  r.get('/.well-known/scitt-keys', async (_req: Request, res: Response) => {
    const set = await ctx.service.keySet();
    res.status(200).setHeader('Cache-Control', 'public, max-age=300');
    res.type(MT_CBOR).send(Buffer.from(set));
  });

  r.get('/.well-known/scitt-keys/:kid', async (req: Request, res: Response) => {
    // The kid is a binary RFC 9679 thumbprint, so SCRAPI says it travels as unpadded base64url.
    const want = String(req.params.kid);
    const keys = await ctx.service.serviceKeys();
    const key = /^[A-Za-z0-9_-]+$/.test(want) ? keys.find((k) => toBase64Url(k.kid) === want) : undefined;
    if (key === undefined) throw httpError('ERR_HTTP_NO_SUCH_KEY', 'no key could be found for this kid value');
    res.status(200).setHeader('Cache-Control', 'public, max-age=300');
    res.type(MT_CBOR).send(Buffer.from(exportCoseKey(key)));
  });

  r.get('/.well-known/transparency-configuration', async (_req: Request, res: Response) => {
    const keys = await ctx.service.serviceKeys();
    const config = new Map<string, unknown>([
      ['issuer', ctx.issuer],
      ['registration_endpoint', '/entries'],
      ['jwks_uri', '/.well-known/scitt-keys'],
      ['keys_uri', '/.well-known/scitt-keys'],
      ['receipt_signature_algorithms', [...new Set(keys.map((k) => k.alg))]],
      ['verifiable_data_structures', [1]],
    ]);
    res.status(200).type(MT_CBOR).send(Buffer.from(cborEncode(config)));
  });

  return r;
}
