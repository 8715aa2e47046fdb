import { Router, type Request, type Response } from 'express';
import type { HttpContext } from '../context.js';
import { MT_JSON } from '../media.js';

/** Operations endpoints: GET /healthz (JSON) and GET /metrics (Prometheus text). Not rate limited. */
export function opsRouter(ctx: HttpContext): Router {
  const r = Router();

  r.get('/healthz', async (_req: Request, res: Response) => {
    const s = await ctx.service.stats();
    const ok = s.open && !ctx.closing;
    // 503 while closing, so a load balancer drains this instance before it goes away.
    res.status(ok ? 200 : 503).setHeader('Cache-Control', 'no-store');
    res.type(MT_JSON).send(
      JSON.stringify({
        status: ok ? 'ok' : 'closing',
        treeSize: s.treeSize,
        queueDepth: s.queueDepth,
        queueLimit: s.queueLimit,
        unanchoredCheckpoints: s.unanchoredCheckpoints,
        timestampersDown: s.timestampersDown,
        policyHash: s.policyHash,
      }),
    );
  });

  r.get('/metrics', async (_req: Request, res: Response) => {
    await ctx.metrics.refresh();
    res.status(200).type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  return r;
}
