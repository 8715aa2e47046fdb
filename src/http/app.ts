import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { HttpContext } from './context.js';
import { httpError, sendProblem, toProblem } from './problems.js';
import { RateLimiter } from './rate-limit.js';
import { adminRouter } from './routes/admin.js';
import { entriesRouter } from './routes/entries.js';
import { keysRouter } from './routes/keys.js';
import { logViewsRouter } from './routes/log-views.js';
import { opsRouter } from './routes/ops.js';

/**
 * The express application: a thin layer over the service (docs/architecture.md). Routes only translate
 * HTTP to service calls; every error goes through problems.ts. POST /entries is normally served by the
 * lean path in front of it (fast-entries.ts), which keeps the same steps.
 */
export function createApp(ctx: HttpContext, limiter = new RateLimiter(ctx.settings.rateLimit, ctx.settings.rateBurst)): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  // Count every answer by route template (not raw path, which would explode label cardinality).
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      ctx.metrics.requests.inc({ method: req.method, route: typeof route === 'string' ? route : 'unmatched', status: String(res.statusCode) });
    });
    next();
  });

  // While shutting down, ask keep-alive clients to go away after this answer, so the server can drain.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    if (ctx.closing) res.setHeader('Connection', 'close');
    next();
  });

  app.use(opsRouter(ctx));

  // The limiter is shared with the lean POST /entries path in front of express (fast-entries.ts).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const d = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (d.ok) return next();
    const p = toProblem(httpError('ERR_HTTP_RATE_LIMITED', `only ${ctx.settings.rateLimit} requests per second (burst ${ctx.settings.rateBurst}) are allowed per client`), ctx.settings.retryAfterS);
    p.retryAfter = d.retryAfterS;
    sendProblem(req, res, p);
  });

  // The embedded TSA (src/tsa/router.ts): after the rate limiter, since every request makes it sign.
  if (ctx.tsaRouter) app.use(ctx.tsaRouter);
  app.use(keysRouter(ctx));
  app.use(entriesRouter(ctx));
  app.use(logViewsRouter(ctx));
  app.use(adminRouter(ctx));

  app.use(() => {
    throw httpError('ERR_HTTP_NOT_FOUND', 'no such resource');
  });

  // Express recognises an error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const p = toProblem(err, ctx.settings.retryAfterS);
    if (p.status >= 500 && p.status !== 503) ctx.logger.error({ err, method: req.method, path: req.path }, 'request failed');
    else ctx.logger.debug({ code: p.code, method: req.method, path: req.path, status: p.status }, p.title);
    // An unread or partly read body must not be parsed as the next request on this connection.
    if (p.status === 413 || !req.complete) res.setHeader('Connection', 'close');
    sendProblem(req, res, p);
  });

  return app;
}
