import { RECORD_MEMBERS } from '../aat/index.js';
import { AtlogError } from '../errors.js';
import { isTrustLevel, parseRule, type Comparison, type Literal, type RuleAst } from './dsl.js';

/**
 * Evaluation of the Registration Policy's action rules against one AAT record (semantics in spec/policy.md).
 * Rules see the record as parsed JSON; they never change it.
 */

/** A named, compiled rule. */
export interface ActionRule {
  name: string;
  source: string;
  ast: RuleAst;
  /** The `matches` patterns, compiled once: the RegExp of `ast.conditions[i]`, undefined for other operators. */
  globs: readonly (RegExp | undefined)[];
}

/** The first rule that refuses a record. */
export interface RuleDenial {
  rule: string;
  reason: string;
}

/** Top-level record members (the AAT schema's); a bare field name looks here first, then in action_detail. */
const RECORD_FIELDS: ReadonlySet<string> = new Set(RECORD_MEMBERS);

/**
 * Compiles a rule (see dsl.ts for the grammar).
 * @throws AtlogError ERR_POLICY_RULE_SYNTAX with details.column and details.rule.
 */
export function compileRule(name: string, source: string): ActionRule {
  try {
    const ast = parseRule(source);
    return { name, source, ast, globs: ast.conditions.map((c) => (c.op === 'matches' ? compileGlob(c.value as string) : undefined)) };
  } catch (e) {
    if (e instanceof AtlogError) {
      throw new AtlogError(e.code, `rule '${name}': ${e.message}`, { cause: e, details: { ...e.details, rule: name } });
    }
    throw e;
  }
}

/** Resolves `a.b.c`: `record.x` and `detail.x` are explicit; a bare name is a record field, else action_detail. */
function lookup(record: Record<string, unknown>, path: string[]): unknown {
  let base: unknown;
  let rest: string[];
  if (path[0] === 'record' && path.length > 1) {
    base = record;
    rest = path.slice(1);
  } else if (path[0] === 'detail' && path.length > 1) {
    base = record['action_detail'];
    rest = path.slice(1);
  } else if (RECORD_FIELDS.has(path[0]!) && path[0]! in record) {
    base = record;
    rest = path;
  } else {
    base = record['action_detail'];
    rest = path;
  }
  for (const p of rest) {
    if (base === null || typeof base !== 'object' || Array.isArray(base)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(base, p)) return undefined;
    base = (base as Record<string, unknown>)[p];
  }
  return base;
}

/**
 * A glob as an anchored RegExp: `*` any run of characters (':' included), `?` one character, `\x` a literal x.
 * Compiled once per rule (compileRule), not per record.
 */
export function compileGlob(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(re + '$');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function order(a: unknown, b: Literal): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (isTrustLevel(a) && isTrustLevel(b)) return Number(a[1]) - Number(b[1]);
  return undefined;
}

/** A comparison against a missing field, or across types, is false, whatever the operator (also `!=`). */
function holds(record: Record<string, unknown>, c: Comparison, glob: RegExp | undefined): boolean {
  const v = lookup(record, c.field);
  if (v === undefined) return false;
  switch (c.op) {
    case '==':
      return v === c.value;
    case '!=':
      return v !== c.value;
    case 'matches':
      return typeof v === 'string' && glob !== undefined && glob.test(v);
    case 'in':
      return (c.value as Literal[]).some((x) => x === v);
    default: {
      const d = order(v, c.value as Literal);
      if (d === undefined) return false;
      return c.op === '>=' ? d >= 0 : c.op === '>' ? d > 0 : c.op === '<=' ? d <= 0 : d < 0;
    }
  }
}

function describe(c: Comparison): string {
  return `${c.field.join('.')} ${c.op} ${JSON.stringify(c.value)}`;
}

/**
 * Applies the rules in order; the first refusal wins.
 * `deny A where C` refuses a record of action type A when every comparison of C holds;
 * `require C for A` refuses a record of action type A when some comparison of C does not hold.
 * @returns the refusal, or undefined when every rule lets the record through.
 */
export function evaluateRules(rules: readonly ActionRule[], record: Record<string, unknown>): RuleDenial | undefined {
  const actionType = record['action_type'];
  for (const r of rules) {
    const { kind, actions, conditions } = r.ast;
    if (actions !== undefined && !actions.includes(String(actionType))) continue;
    const holdsHere = (c: Comparison, i: number): boolean => holds(record, c, r.globs[i]);
    if (kind === 'deny') {
      if (conditions.every(holdsHere)) {
        return { rule: r.name, reason: `denied by rule '${r.name}' (${r.source})` };
      }
    } else {
      const failed = conditions.find((c, i) => !holdsHere(c, i));
      if (failed) return { rule: r.name, reason: `rule '${r.name}' requires ${describe(failed)}` };
    }
  }
  return undefined;
}
