import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { HttpContext } from './context.js';
import { httpError, sendProblem, toProblem } from './problems.js';
import { RateLimiter } from './rate-limit.js';
import { adminRouter } from './routes/admin.js';
import { entriesRouter, registerStatement } from './routes/entries.js';
import { keysRouter } from './routes/keys.js';
import { logPagesRouter } from './routes/log-pages.js';
import { logViewsRouter } from './routes/log-views.js';
import { opsRouter } from './routes/ops.js';
import { tlogRouter } from './routes/tlog.js';

/**
 * The one request pipeline (docs/architecture.md "HTTP"). Every request takes the same steps, in this order:
 *
 * 1. `count`: the request metric, labelled by route template once a route is reached, and `Connection: close`
 *    while shutting down;
 * 2. `admit`: the per-client rate limiter (429), except for /healthz and /metrics;
 * 3. the route;
 * 4. `fail`: any error, answered as a problem by problems.ts.
 *
 * Two paths run these steps. `POST /entries` (and `/entries/`), nearly all of a busy server's requests, is
 * served straight on node's request and response (docs/benchmarks.md "## http": express's middleware and
 * router stack cost a large share of the main thread per request); every other request goes to express,
 * whose middleware calls the same step functions.
 */

/** A node 'request' listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The route label of an answered request (a template such as `/entries/:locator`, or `unmatched`). */
type RouteOf = (req: IncomingMessage, res: ServerResponse) => string;

/** The steps of the pipeline shared by both paths. */
interface Steps {
  count(req: IncomingMessage, res: ServerResponse, routeOf: RouteOf): void;
  /** False when the request was refused (and answered). */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
  fail(req: IncomingMessage, res: ServerResponse, err: unknown): void;
}

function steps(ctx: HttpContext, limiter: RateLimiter): Steps {
  const { rateLimit, rateBurst, retryAfterS } = ctx.settings;
  return {
    count(req, res, routeOf) {
      res.on('finish', () => {
        ctx.metrics.requests.inc({ method: req.method ?? '', route: routeOf(req, res), status: String(res.statusCode) });
      });
      // While shutting down, ask keep-alive clients to go away after this answer, so the server can drain.
      if (ctx.closing) res.setHeader('Connection', 'close');
    },
    admit(req, res) {
      const d = limiter.take(req.socket.remoteAddress ?? 'unknown');
      if (d.ok) return true;
      // Not through `fail`: a refusal is expected traffic, not an error to log, and the connection stays open
      // (node discards the unread body).
      sendProblem(req, res, toProblem(httpError('ERR_HTTP_RATE_LIMITED', `only ${rateLimit} requests per second (burst ${rateBurst}) are allowed per client`, d.retryAfterS), retryAfterS));
      return false;
    },
    fail(req, res, err) {
      const p = toProblem(err, retryAfterS);
      const path = req.url?.split('?')[0];
      if (p.status >= 500 && p.status !== 503) ctx.logger.error({ err, method: req.method, path }, 'request failed');
      else ctx.logger.debug({ code: p.code, method: req.method, path, status: p.status }, p.title);
      // A body read in part (413 stops reading) must not be parsed as the next request on this connection.
      if (p.status === 413 || (hasBody(req) && !req.complete)) res.setHeader('Connection', 'close');
      sendProblem(req, res, p);
    },
  };
}

/** True when the request announces a body (RFC 9112 section 6.3). */
function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

/** Express matches paths case-insensitively and with an optional trailing slash; so does the lean path. */
const ENTRIES = /^\/entries\/?(?:\?|$)/i;

/** The lean path's label: only the limiter answers 429 there, and a refused request reached no route. */
const leanRoute: RouteOf = (_req, res) => (res.statusCode === 429 ? 'unmatched' : '/entries');

/** Express's label: the template of the route that answered. */
const expressRoute: RouteOf = (req) => {
  const route = (req as Request).route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? route.path : 'unmatched';
};

/**
 * The server's request listener: the lean `POST /entries` path in front of the express application.
 * @param limiter shared by both paths (one bucket per client, whatever it asks for).
 */
export function createRequestListener(ctx: HttpContext, limiter = new RateLimiter(ctx.settings.rateLimit, ctx.settings.rateBurst)): RequestListener {
  const s = steps(ctx, limiter);
  const app = createApp(ctx, s);
  return (req, res) => {
    if (req.method !== 'POST' || (req.url !== '/entries' && !ENTRIES.test(req.url ?? ''))) {
      app(req, res);
      return;
    }
    const started = performance.now();
    s.count(req, res, leanRoute);
    if (!s.admit(req, res)) return;
    registerStatement(ctx, req, res, started).catch((err: unknown) => s.fail(req, res, err));
  };
}

/** The express application: routes translate HTTP to service calls; the pipeline steps wrap them. */
function createApp(ctx: HttpContext, s: Steps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // Labelled by route template, not raw path, which would explode label cardinality.
  app.use((req: Request, res: Response, next: NextFunction) => {
    s.count(req, res, expressRoute);
    next();
  });

  app.use(opsRouter(ctx));

  app.use((req: Request, res: Response, next: NextFunction) => {
    if (s.admit(req, res)) next();
  });

  // The embedded TSA (src/tsa/router.ts): after the rate limiter, since every request makes it sign.
  if (ctx.tsaRouter) app.use(ctx.tsaRouter);
  app.use(keysRouter(ctx));
  app.use(entriesRouter(ctx));
  app.use(logViewsRouter(ctx));
  app.use(logPagesRouter(ctx));
  app.use(tlogRouter(ctx));
  app.use(adminRouter(ctx));

  app.use(() => {
    throw httpError('ERR_HTTP_NOT_FOUND', 'no such resource');
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => s.fail(req, res, err));

  return app;
}
