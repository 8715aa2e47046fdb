/**
 * Safe HTML building for the report. Everything in an evidence file is attacker-controlled (an agent writes its
 * own records), so the one way to build markup here is the `html` tag: every interpolated value is escaped as
 * text, unless it is a `Markup` that this module's `html`/`raw` produced. There is no other string concatenation
 * of markup in src/audit/report/.
 */

/** A fragment of markup this module vouches for. */
export class Markup {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for use in element content and in quoted attribute values (HTML and SVG alike). Control
 * characters other than tab, newline and carriage return are dropped: they are not allowed in HTML text.
 */
export function escapeText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A value the `html` tag accepts: escaped unless it is Markup; arrays are joined; null/undefined/false are empty. */
export type Value = Markup | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v instanceof Markup) return v.value;
  if (Array.isArray(v)) return (v as readonly Value[]).map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeText(String(v));
}

/** Tagged template: the literal parts are markup, every `${value}` is escaped (see above). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Markup(out);
}

/**
 * Markup from a constant of this package (the style sheet). Never pass text that came from the evidence.
 */
export function trusted(s: string): Markup {
  return new Markup(s);
}

/** Shortens text to `n` characters with an ellipsis (for labels inside pictures; the full text goes in a title). */
export function clip(s: string, n: number): string {
  const chars = [...s];
  return chars.length <= n ? s : `${chars.slice(0, n - 1).join('')}…`;
}
