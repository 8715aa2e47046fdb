import { AtlogError } from '../errors.js';

/**
 * The action-rule language of the Registration Policy (grammar in spec/policy.md):
 *
 *   rule     = deny / require
 *   deny     = "deny" actions [ "where" cond ]
 *   require  = "require" cond "for" actions
 *   actions  = NAME / "*" / "[" NAME *( "," NAME ) "]"
 *   cond     = cmp *( "and" cmp )
 *   cmp      = field op value
 *   field    = NAME *( "." NAME )
 *   op       = "==" / "!=" / "matches" / "in" / ">=" / ">" / "<=" / "<"
 *   value    = STRING / NUMBER / NAME (true, false, null, L0..L4, bare word) / "[" value *( "," value ) "]"
 *
 * A hand-written tokenizer and recursive-descent parser, so every error names the column it found.
 */

export type Literal = string | number | boolean | null;
export type CmpOp = '==' | '!=' | 'matches' | 'in' | '>=' | '>' | '<=' | '<';

export interface Comparison {
  field: string[];
  op: CmpOp;
  value: Literal | Literal[];
}

export interface RuleAst {
  kind: 'deny' | 'require';
  /** Action types the rule applies to; undefined means every action type ("*"). */
  actions: string[] | undefined;
  /** Conjunction; empty for an unconditional deny. */
  conditions: Comparison[];
}

type TokKind = 'name' | 'string' | 'number' | 'op' | 'punct' | 'end';
interface Token {
  kind: TokKind;
  text: string;
  value?: string | number;
  col: number;
}

function dslError(message: string, col: number): AtlogError {
  return new AtlogError('ERR_POLICY_RULE_SYNTAX', `${message} at column ${col}`, { details: { column: col } });
}

const NAME_RE = /[A-Za-z0-9_:\-]/;

/** Splits a rule into tokens; columns are 1-based. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const col = i + 1;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw dslError('unterminated string', col);
        const d = src[i]!;
        if (d === '"') break;
        if (d === '\\') {
          const e = src[i + 1];
          if (e !== '"' && e !== '\\') throw dslError('only \\" and \\\\ escapes are allowed in strings', i + 1);
          // Keep the backslash for glob escapes ("\*" stays literal in `matches`), drop it for quotes.
          s += e === '"' ? '"' : '\\\\';
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      i++;
      out.push({ kind: 'string', text: src.slice(col - 1, i), value: s, col });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      // A word such as 2fa-token or 1:2 is a name, not a number followed by junk.
      if (NAME_RE.test(src[i + m[0].length] ?? ' ')) {
        const w = /^[A-Za-z0-9_:\-]+/.exec(src.slice(i))![0];
        out.push({ kind: 'name', text: w, col });
        i += w.length;
      } else {
        out.push({ kind: 'number', text: m[0], value: Number(m[0]), col });
        i += m[0].length;
      }
    } else if (/[A-Za-z_]/.test(c)) {
      const w = /^[A-Za-z_][A-Za-z0-9_:\-]*/.exec(src.slice(i))![0];
      out.push({ kind: 'name', text: w, col });
      i += w.length;
    } else if (src.startsWith('==', i) || src.startsWith('!=', i) || src.startsWith('>=', i) || src.startsWith('<=', i)) {
      out.push({ kind: 'op', text: src.slice(i, i + 2), col });
      i += 2;
    } else if (c === '>' || c === '<') {
      out.push({ kind: 'op', text: c, col });
      i++;
    } else if ('[],.*'.includes(c)) {
      out.push({ kind: 'punct', text: c, col });
      i++;
    } else {
      throw dslError(`unexpected character '${c}'`, col);
    }
  }
  out.push({ kind: 'end', text: 'end of rule', col: src.length + 1 });
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.pos]!;
  }
  private next(): Token {
    return this.toks[this.pos++]!;
  }
  private isWord(t: Token, w: string): boolean {
    return t.kind === 'name' && t.text === w;
  }
  private expectWord(w: string): void {
    const t = this.next();
    if (!this.isWord(t, w)) throw dslError(`expected '${w}' but found '${t.text}'`, t.col);
  }
  private expectPunct(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw dslError(`expected '${p}' but found '${t.text}'`, t.col);
  }

  rule(): RuleAst {
    const head = this.next();
    let ast: RuleAst;
    if (this.isWord(head, 'deny')) {
      const actions = this.actions();
      const conditions = this.isWord(this.peek(), 'where') ? (this.next(), this.cond()) : [];
      ast = { kind: 'deny', actions, conditions };
    } else if (this.isWord(head, 'require')) {
      const conditions = this.cond();
      this.expectWord('for');
      ast = { kind: 'require', actions: this.actions(), conditions };
    } else {
      throw dslError(`a rule starts with 'deny' or 'require', not '${head.text}'`, head.col);
    }
    const t = this.peek();
    if (t.kind !== 'end') throw dslError(`unexpected '${t.text}' after the rule`, t.col);
    return ast;
  }

  private actionName(): string {
    const t = this.next();
    if (t.kind !== 'name') throw dslError(`expected an action type but found '${t.text}'`, t.col);
    return t.text;
  }

  private actions(): string[] | undefined {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '*') {
      this.next();
      return undefined;
    }
    if (t.kind === 'punct' && t.text === '[') return this.bracketList(() => this.actionName());
    return [this.actionName()];
  }

  private cond(): Comparison[] {
    const out = [this.cmp()];
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      out.push(this.cmp());
    }
    return out;
  }

  private cmp(): Comparison {
    const f = this.next();
    if (f.kind !== 'name') throw dslError(`expected a field name but found '${f.text}'`, f.col);
    const field = [f.text];
    while (this.peek().kind === 'punct' && this.peek().text === '.') {
      this.next();
      const p = this.next();
      if (p.kind !== 'name') throw dslError(`expected a field name after '.' but found '${p.text}'`, p.col);
      field.push(p.text);
    }
    const o = this.next();
    let op: CmpOp;
    if (o.kind === 'op') op = o.text as CmpOp;
    else if (this.isWord(o, 'matches') || this.isWord(o, 'in')) op = o.text as CmpOp;
    else throw dslError(`expected an operator (==, !=, matches, in, >=, >, <=, <) but found '${o.text}'`, o.col);
    const vt = this.peek();
    if (op === 'in') {
      if (vt.kind !== 'punct' || vt.text !== '[') throw dslError("'in' needs a list such as [\"a\", \"b\"]", vt.col);
      return { field, op, value: this.list() };
    }
    const value = this.literal();
    if (op === 'matches' && typeof value !== 'string') throw dslError("'matches' needs a quoted glob pattern", vt.col);
    if ((op === '>=' || op === '>' || op === '<=' || op === '<') && typeof value !== 'number' && !isTrustLevel(value)) {
      throw dslError(`'${op}' compares numbers or trust levels L0..L4, not '${vt.text}'`, vt.col);
    }
    return { field, op, value };
  }

  private list(): Literal[] {
    return this.bracketList(() => this.literal());
  }

  /** `[ item (, item)* ]`: a non-empty, comma-separated list in brackets. */
  private bracketList<T>(item: () => T): T[] {
    this.expectPunct('[');
    const out = [item()];
    while (this.peek().kind === 'punct' && this.peek().text === ',') {
      this.next();
      out.push(item());
    }
    this.expectPunct(']');
    return out;
  }

  private literal(): Literal {
    const t = this.next();
    if (t.kind === 'string' || t.kind === 'number') return t.value!;
    if (t.kind === 'name') {
      if (t.text === 'true') return true;
      if (t.text === 'false') return false;
      if (t.text === 'null') return null;
      return t.text; // bare words: trust levels (L2), outcomes (denied), action names
    }
    throw dslError(`expected a value but found '${t.text}'`, t.col);
  }
}

/** True for the trust levels L0..L4. */
export function isTrustLevel(v: unknown): v is string {
  return typeof v === 'string' && /^L[0-4]$/.test(v);
}

/**
 * Parses one action rule.
 * @throws AtlogError ERR_POLICY_RULE_SYNTAX with `details.column` (1-based) at the first error.
 */
export function parseRule(src: string): RuleAst {
  if (typeof src !== 'string' || src.trim() === '') throw dslError('empty rule', 1);
  return new Parser(tokenize(src)).rule();
}
