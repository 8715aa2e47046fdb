/**
 * The report's colours and style sheet: one constant, inlined into the page (no external fonts, no network).
 * The same colours are used in the SVG pictures, so a legend in one explains the other.
 */

export const COLORS = {
  valid: '#1a7f37',
  invalid: '#cf222e',
  undetermined: '#9a6700',
  skip: '#6e7781',
  anchored: '#0969da',
  ink: '#1f2328',
  muted: '#59636e',
  grid: '#d0d7de',
  lane: '#f6f8fa',
  outcome: { success: '#8c959f', failure: '#cf222e', timeout: '#bf8700', denied: '#bc4c00', escalated: '#8250df', other: '#57606a' } as Readonly<Record<string, string>>,
} as const;

export const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: ${COLORS.ink}; background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 8px; padding-bottom: 4px; border-bottom: 1px solid ${COLORS.grid}; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p { margin: 6px 0 10px; }
.meta { color: ${COLORS.muted}; font-size: 13px; margin: 0 0 18px; }
.meta span + span::before { content: " · "; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.banner { border-radius: 10px; padding: 20px 24px; color: #fff; display: flex; gap: 20px; align-items: center; }
.banner .mark { font-size: 46px; line-height: 1; font-weight: 700; }
.banner .title { font-size: 26px; font-weight: 700; margin: 0; }
.banner p { margin: 4px 0 0; font-size: 15px; }
.banner.valid { background: ${COLORS.valid}; }
.banner.invalid { background: ${COLORS.invalid}; }
.banner.cannot-evaluate { background: ${COLORS.undetermined}; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.tile { border: 1px solid ${COLORS.grid}; border-radius: 8px; padding: 10px 12px; }
.tile .n { font-size: 22px; font-weight: 700; display: block; }
.tile .l { color: ${COLORS.muted}; font-size: 12.5px; }
figure { margin: 10px 0 4px; }
figure svg { width: 100%; height: auto; display: block; border: 1px solid ${COLORS.grid}; border-radius: 8px; background: #fff; }
figcaption { color: ${COLORS.muted}; font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 13.5px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid ${COLORS.grid}; }
th { background: ${COLORS.lane}; font-weight: 600; }
td > code { white-space: nowrap; font-size: 11.5px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pill { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.pill.ok, .pill.valid, .pill.complete, .pill.supported { background: ${COLORS.valid}; }
.pill.fail, .pill.invalid, .pill.undermined { background: ${COLORS.invalid}; }
.pill.skip, .pill.open, .pill.partly, .pill.not-shown { background: ${COLORS.skip}; }
.pill.cannot-evaluate, .pill.inconclusive { background: ${COLORS.undetermined}; }
.check { border: 1px solid ${COLORS.grid}; border-left-width: 6px; border-radius: 6px; padding: 8px 14px 2px; margin: 8px 0; break-inside: avoid; }
.check .meta { margin: 2px 0 6px; }
.check.fail { background: #fff8f8; }
.check.ok { border-left-color: ${COLORS.valid}; }
.check.fail { border-left-color: ${COLORS.invalid}; }
.check.skip { border-left-color: ${COLORS.skip}; }
.check .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.check .name { font-weight: 600; }
.check .proves { color: ${COLORS.muted}; }
.limits li { margin: 6px 0; }
.note { background: ${COLORS.lane}; border-radius: 6px; padding: 8px 12px; font-size: 13.5px; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12.5px; color: ${COLORS.muted}; margin-top: 6px; }
.legend i { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 5px; vertical-align: -1px; }
.legend i.bar { border-radius: 2px; width: 18px; height: 7px; vertical-align: 1px; }
footer { margin-top: 48px; color: ${COLORS.muted}; font-size: 12.5px; }
@media print {
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure, table, .check, .banner { break-inside: avoid; }
  .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .pill { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
