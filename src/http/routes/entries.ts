import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type Response } from 'express';
import { readBody } from '../body.js';
import { within, type HttpContext } from '../context.js';
import { parseLocator, operationLocator } from '../ids.js';
import { essence, MT_COSE, MT_STATEMENT, STATEMENT_TYPES } from '../media.js';
import { httpError, toProblem } from '../problems.js';
import { pickReceipt, receiptIndex } from './receipt-choice.js';

/**
 * SCRAPI -11 receipt resources: GET /entries/{operation}, GET /entries/{entry}, plus GET
 * /entries/{entry}/statement. POST /entries is `registerStatement`, which the request pipeline serves ahead of
 * express (app.ts).
 */
export function entriesRouter(ctx: HttpContext): Router {
  const r = Router();

  r.get('/entries/:locator', async (req: Request, res: Response) => {
    const which = receiptIndex(req.query.alg);
    const loc = parseLocator(String(req.params.locator));
    let entryId: string | undefined;
    switch (loc.kind) {
      case 'invalid':
        throw httpError('ERR_HTTP_INVALID_LOCATOR', 'the locator is neither an entry id (64 lowercase hex), an operation id (op-...) nor a log index');
      case 'entry':
        entryId = loc.entryId;
        break;
      case 'index':
        entryId = await ctx.service.entryIdAt(loc.index);
        if (entryId === undefined) throw httpError('ERR_HTTP_NOT_FOUND', `no entry at index ${loc.index}`);
        break;
      case 'operation': {
        const op = await ctx.service.operation(loc.operationId);
        if (op === undefined) throw httpError('ERR_HTTP_OPERATION_NOT_FOUND', 'no running or recent operation has this id');
        if (op.status === 'running') {
          res.status(302).location(`/entries/${operationLocator(loc.operationId)}`);
          res.setHeader('Retry-After', String(ctx.settings.retryAfterS));
          res.end();
          return;
        }
        if (op.status === 'failed') throw op.error ?? httpError('ERR_HTTP_NOT_FOUND', 'the registration failed');
        entryId = op.entryId;
        break;
      }
    }
    const receipts = await ctx.service.receipts(entryId);
    if (receipts === undefined || receipts.length === 0) {
      throw httpError('ERR_HTTP_NOT_FOUND', `receipt with entry id ${entryId} not known to this transparency service`);
    }
    res.status(200).location(`/entries/${entryId}`);
    res.type(MT_COSE).send(Buffer.from(pickReceipt(receipts, which)));
  });

  r.get('/entries/:locator/statement', async (req: Request, res: Response) => {
    const loc = parseLocator(String(req.params.locator));
    let entryId: string | undefined;
    if (loc.kind === 'entry') entryId = loc.entryId;
    else if (loc.kind === 'index') entryId = await ctx.service.entryIdAt(loc.index);
    else throw httpError('ERR_HTTP_INVALID_LOCATOR', 'a statement is addressed by its entry id (64 lowercase hex) or log index');
    const ts = entryId === undefined ? undefined : await ctx.service.transparentStatement(entryId);
    if (ts === undefined) throw httpError('ERR_HTTP_NOT_FOUND', `entry ${entryId ?? String(req.params.locator)} not known to this transparency service`);
    res.status(200).type(MT_STATEMENT).send(Buffer.from(ts));
  });

  return r;
}

/**
 * POST /entries on node's own request and response (the lean path of app.ts): checks, submits, waits up to
 * waitLimitMs and answers 201 with the receipt or 303 to the operation. Counts the outcome in the metrics.
 * @throws whatever the checks or the service throw (AtlogError), for the pipeline to answer as a problem.
 */
export async function registerStatement(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
  try {
    if (ctx.closing) throw httpError('ERR_HTTP_SHUTTING_DOWN', 'the service is shutting down');
    const type = essence(req.headers['content-type']);
    if (!STATEMENT_TYPES.includes(type)) {
      throw httpError('ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${STATEMENT_TYPES.join(' or ')}`);
    }
    const body = await readBody(req, ctx.settings.bodyLimit);
    const sub = await ctx.service.submit(body);
    // Observe time to receipt and batch sizes whether the client waits (201) or polls (303).
    const done = sub.done.then((entry) => {
      ctx.metrics.timeToReceipt.observe((performance.now() - started) / 1000);
      ctx.metrics.landed(entry.treeSize);
      return entry;
    });
    done.catch(() => undefined); // a late failure is reported through GET /entries/{operation}
    const landed = await within(done, ctx.settings.waitLimitMs);
    if (landed === undefined) {
      ctx.metrics.registrations.inc({ outcome: 'accepted' });
      res.statusCode = 303;
      res.setHeader('Location', `/entries/${operationLocator(sub.operationId)}`);
      res.setHeader('Retry-After', String(ctx.settings.retryAfterS));
      res.end();
      return;
    }
    ctx.metrics.registrations.inc({ outcome: sub.duplicate ? 'duplicate' : 'created' });
    const receipt = pickReceipt(landed.value.receipts, 0);
    const out = Buffer.from(receipt.buffer, receipt.byteOffset, receipt.byteLength);
    res.statusCode = 201;
    res.setHeader('Location', `/entries/${landed.value.entryId}`);
    res.setHeader('Content-Type', MT_COSE);
    res.setHeader('Content-Length', out.length);
    res.end(out);
  } catch (err) {
    ctx.metrics.registrations.inc({ outcome: toProblem(err, ctx.settings.retryAfterS).code });
    throw err;
  }
}
