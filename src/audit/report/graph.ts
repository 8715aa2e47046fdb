import type { AuditGraph, AuditSession } from '../types.js';
import { short } from './format.js';
import { clip, html, type Markup } from './html.js';
import { COLORS } from './style.js';

/**
 * The delegation graph (SVG): one box per session, in columns by delegation depth (sessions nobody delegated on
 * the left), an arrow per delegation record labelled with the trust level it grants, in the colour of its check
 * (a failed link red). A link to a session or record that is not in the file is drawn to a dashed box.
 */

export const NODES_LIMIT = 60;

const BOX_W = 200;
const BOX_H = 48;
const COL = 270;
const ROW = 66;
const PAD = 16;

interface Box {
  id: string;
  label: string;
  sub: string;
  title: string;
  color: string;
  ghost: boolean;
  depth: number;
  row: number;
}

const statusColor = (s: string): string => (s === 'ok' ? COLORS.valid : s === 'fail' ? COLORS.invalid : COLORS.undetermined);
const verdictColor = (v: string | undefined): string => (v === 'valid' ? COLORS.valid : v === 'invalid' ? COLORS.invalid : v === undefined ? COLORS.skip : COLORS.undetermined);

/**
 * Column of every node: the longest chain of delegations leading to it (Bellman-Ford style relaxation). On a
 * cycle the depths stop growing at the number of nodes, so the loop always ends.
 */
function depths(ids: readonly string[], edges: ReadonlyArray<{ from: string; to: string }>): Map<string, number> {
  const out = new Map(ids.map((id) => [id, 0]));
  const cap = Math.max(0, ids.length - 1);
  for (let round = 0; round < ids.length; round++) {
    let changed = false;
    for (const e of edges) {
      if (e.from === e.to) continue;
      const d = Math.min(cap, out.get(e.from)! + 1);
      if (out.get(e.to)! < d) {
        out.set(e.to, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return out;
}

/**
 * The graph picture, or a sentence when there is no delegation.
 */
export function delegationSvg(graph: AuditGraph, sessions: readonly AuditSession[]): Markup {
  if (graph.edges.length === 0) {
    return html`<p class="note">No delegations: every session in the evidence was started by its own agent, not on behalf of another.</p>`;
  }
  const verdicts = new Map(sessions.map((s) => [`${s.agent} ${s.session}`, s.verdict]));
  const nodes = graph.nodes.slice(0, NODES_LIMIT);
  const known = new Set(nodes.map((n) => n.id));
  const edges = graph.edges.filter((e) => (e.from === null || known.has(e.from)) && (e.to === null || known.has(e.to)));
  const boxes = new Map<string, Box>();
  const box = (id: string, label: string, sub: string, title: string, color: string, ghost: boolean): void => {
    boxes.set(id, { id, label: clip(label, 30), sub, title, color, ghost, depth: 0, row: 0 });
  };
  for (const n of nodes) {
    const level = n.maxTrustLevel ? ` · up to ${n.maxTrustLevel}` : '';
    box(n.id, n.agent, `session ${short(n.session)}${level}`, `${n.agent}\nsession ${n.session}${level ? `\nhighest trust level used: ${n.maxTrustLevel}` : ''}`, verdictColor(verdicts.get(n.id)), false);
  }
  // a dangling link gets a dashed box for its missing end
  const ends = edges.map((e) => {
    const from = e.from ?? `missing-from ${e.id}`;
    const to = e.to ?? `missing-to ${e.id}`;
    if (e.from === null) box(from, e.delegator, 'delegation record not in the file', `${e.delegator}: delegation ${e.id} is not in the evidence`, COLORS.invalid, true);
    if (e.to === null) box(to, e.delegate, 'no session claims this delegation', `${e.delegate}: no session in the evidence starts from delegation ${e.id}`, COLORS.skip, true);
    return { e, from, to };
  });
  const depth = depths([...boxes.keys()], ends.map(({ from, to }) => ({ from, to })));
  for (const b of boxes.values()) b.depth = depth.get(b.id) ?? 0;
  const rows = new Map<number, number>();
  for (const b of boxes.values()) {
    b.row = rows.get(b.depth) ?? 0;
    rows.set(b.depth, b.row + 1);
  }
  const cols = Math.max(...[...boxes.values()].map((b) => b.depth)) + 1;
  const W = PAD * 2 + (cols - 1) * COL + BOX_W;
  const H = PAD * 2 + (Math.max(...rows.values()) - 1) * ROW + BOX_H;
  const pos = (b: Box): { x: number; y: number } => ({ x: PAD + b.depth * COL, y: PAD + b.row * ROW });

  const markers = (['ok', 'fail', 'skip'] as const).map(
    (s) => html`<marker id="arrow-${s}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 Z" fill="${statusColor(s)}"/></marker>`,
  );
  const arrows = ends.map(({ e, from, to }) => {
    const a = pos(boxes.get(from)!);
    const b = pos(boxes.get(to)!);
    const x1 = a.x + BOX_W;
    const y1 = a.y + BOX_H / 2;
    const x2 = b.x - 2;
    const y2 = b.y + BOX_H / 2;
    const mx = (x1 + x2) / 2;
    const status = e.status === 'ok' ? 'ok' : e.status === 'fail' ? 'fail' : 'skip';
    const color = statusColor(status);
    const label = `${e.trustLevel ? `grants ${e.trustLevel}` : 'delegation'}${e.status === 'fail' ? ' ✗' : ''}`;
    return html`<g class="edge ${status}" data-delegation="${e.id}">
<path d="M${x1} ${y1} C${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}" fill="none" stroke="${color}" stroke-width="${status === 'fail' ? 2.5 : 1.6}"${status === 'ok' ? '' : html` stroke-dasharray="6 4"`} marker-end="url(#arrow-${status})"><title>${e.delegator} delegated to ${e.delegate}${e.trustLevel ? ` at ${e.trustLevel}` : ''} (record ${e.id}${e.at ? `, ${e.at}` : ''}): ${e.detail}</title></path>
<text x="${mx}" y="${(y1 + y2) / 2 - 5}" font-size="11" text-anchor="middle" fill="${color}" paint-order="stroke" stroke="#fff" stroke-width="3">${label}</text>
</g>`;
  });
  const boxMarks = [...boxes.values()].map((b) => {
    const p = pos(b);
    return html`<g class="node${b.ghost ? ' ghost' : ''}" data-node="${b.id}">
<rect x="${p.x}" y="${p.y}" width="${BOX_W}" height="${BOX_H}" rx="7" fill="#fff" stroke="${b.color}" stroke-width="${b.ghost ? 1.5 : 2}"${b.ghost ? html` stroke-dasharray="5 4"` : ''}/>
<text x="${p.x + 10}" y="${p.y + 20}" font-size="12" font-weight="600" fill="${COLORS.ink}">${b.label}</text>
<text x="${p.x + 10}" y="${p.y + 37}" font-size="11" fill="${COLORS.muted}">${b.sub}</text>
<title>${b.title}</title>
</g>`;
  });
  const more = graph.nodes.length > nodes.length ? html`<p class="note">${graph.nodes.length - nodes.length} more sessions are in the delegation table below, not drawn.</p>` : '';
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="Delegation graph of ${nodes.length} sessions" font-family="system-ui, sans-serif" style="max-width:${Math.max(W, 420)}px">
<defs>${markers}</defs>
${arrows}${boxMarks}
</svg>${more}`;
}
