import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpContext } from './context.js';
import { httpError, toProblem, writeProblem } from './problems.js';
import type { RateLimiter } from './rate-limit.js';
import { registerStatement } from './routes/entries.js';

/**
 * The lean path for POST /entries (docs/architecture.md): registrations are nearly all of a busy server's
 * requests, and express's middleware and router stack cost a large share of the main thread per request
 * (docs/benchmarks.md "## http"). This node 'request' listener serves `POST /entries` itself, with the
 * same steps the express stack takes for it, in the same order: the request metric, Connection: close while
 * shutting down, the shared rate limiter, then the route (registerStatement, shared with the express route)
 * and the same problem-details mapping (problems.ts). Every other request goes to express unchanged.
 */
export function leanEntries(ctx: HttpContext, limiter: RateLimiter, app: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'POST' || (req.url !== '/entries' && !req.url?.startsWith('/entries?'))) {
      app(req, res);
      return;
    }
    const started = performance.now();
    // Labelled like express labels it: the route template once the route is reached, else 'unmatched'.
    let route = 'unmatched';
    res.on('finish', () => {
      ctx.metrics.requests.inc({ method: 'POST', route, status: String(res.statusCode) });
    });
    if (ctx.closing) res.setHeader('Connection', 'close');
    const d = limiter.take(req.socket.remoteAddress ?? 'unknown');
    route = d.ok ? '/entries' : route;
    if (!d.ok) {
      const p = toProblem(httpError('ERR_HTTP_RATE_LIMITED', `only ${ctx.settings.rateLimit} requests per second (burst ${ctx.settings.rateBurst}) are allowed per client`), ctx.settings.retryAfterS);
      p.retryAfter = d.retryAfterS;
      writeProblem(req, res, p);
      return;
    }
    registerStatement(ctx, req, res, started).catch((err: unknown) => {
      const p = toProblem(err, ctx.settings.retryAfterS);
      if (p.status >= 500 && p.status !== 503) ctx.logger.error({ err, method: req.method, path: '/entries' }, 'request failed');
      else ctx.logger.debug({ code: p.code, method: req.method, path: '/entries' }, p.title);
      // An unread or partly read body must not be parsed as the next request on this connection.
      if (p.status === 413 || !req.complete) res.setHeader('Connection', 'close');
      writeProblem(req, res, p);
    });
  };
}
