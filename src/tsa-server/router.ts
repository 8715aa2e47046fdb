import express, { type Request, type Response, type Router } from 'express';
import type { EmbeddedTsa } from './embedded.js';

/**
 * HTTP for the embedded TSA (RFC 3161 section 3.4, "Time-Stamp Protocol via HTTP"):
 * `POST /tsa` with `Content-Type: application/timestamp-query` answers `application/timestamp-reply`;
 * `GET /tsa/root.pem` serves the root CA certificate auditors pin. Mount with `app.use(createTsaRouter(tsa))`.
 */

/** Largest accepted TimeStampReq; a SHA-512 request with policy and nonce is under 150 bytes. */
const MAX_REQUEST_BYTES = 4096;

/**
 * Build the router. Status codes: 200 with a TimeStampResp (granted, or a rejection such as badAlg or
 * unacceptedPolicy); 400 with a badDataFormat TimeStampResp when the body is not a DER TimeStampReq;
 * 413 over {@link MAX_REQUEST_BYTES}; 415 for another Content-Type.
 */
export function createTsaRouter(tsa: EmbeddedTsa): Router {
  const router = express.Router();
  router.post(
    '/tsa',
    (req: Request, res: Response, next) => {
      if (!req.is('application/timestamp-query')) {
        res.status(415).type('text/plain').send('Content-Type must be application/timestamp-query');
        return;
      }
      next();
    },
    express.raw({ type: 'application/timestamp-query', limit: MAX_REQUEST_BYTES }),
    (req: Request, res: Response) => {
      const body: unknown = req.body;
      const der = Buffer.isBuffer(body) ? new Uint8Array(body) : new Uint8Array();
      const { resp, malformed } = tsa.handle(der);
      res.status(malformed ? 400 : 200).type('application/timestamp-reply').send(Buffer.from(resp));
    },
  );
  router.get('/tsa/root.pem', (_req: Request, res: Response) => {
    res.type('application/x-pem-file').send(tsa.rootPem);
  });
  return router;
}
