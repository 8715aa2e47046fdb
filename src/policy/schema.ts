import { LineCounter, parseDocument, type Document } from 'yaml';
import { algByName, algById } from '../cose/algorithms.js';
import { sha256 } from '../crypto/sha256.js';
import { canonicalBytes } from '../aat/index.js';
import { AtlogError } from '../errors.js';
import { importCoseKey, importPem, type PublicKey } from '../keys/index.js';
import { fromBase64, fromHex, toHex } from '../util/bytes.js';
import { compileRule, type ActionRule } from './rules.js';

/**
 * The Registration Policy file: schema, validation with line numbers, normalisation and hash
 * (spec/policy.md). YAML and JSON are both read with the `yaml` parser (JSON is YAML 1.2), so both report
 * the line of a bad field.
 */

export interface PolicyKey {
  key: PublicKey;
  status: 'active' | 'revoked';
  notBefore?: Date;
  notAfter?: Date;
}

export interface PolicyIssuer {
  iss: string;
  status: 'active' | 'revoked';
  keys: PolicyKey[];
}

export interface AatPolicy {
  /** Schema-check AAT records (validateRecord), bind iss/sub, apply action rules. */
  validate: boolean;
  /** Check every record's link to its session's tip (fork, gap, replay, record after session_end). */
  requireChain: boolean;
  /** Refuse records without record_phase (draft -01 and later). */
  requireRecordPhase: boolean;
  /** Hash Envelope statements whose preimage is application/aat+json: 'reject' (default) or 'accept' unchecked. */
  hashEnvelope: 'reject' | 'accept';
  /** Refuse statements that are not AAT records. */
  required: boolean;
}

/** A validated, normalised policy. */
export interface Policy {
  /** SHA-256 over the RFC 8785 canonical JSON of the parsed document. */
  hash: Uint8Array;
  hashHex: string;
  /** The file, or undefined for the built-in default. */
  source: string | undefined;
  /** Allowed COSE algorithm ids of Signed Statements. */
  algorithms: Set<number>;
  maxStatementBytes: number;
  issuers: PolicyIssuer[];
  aat: AatPolicy;
  rules: ActionRule[];
}

/** The built-in policy when no file is given (docs/policy.md): all algorithms, 1 MiB, AAT checks on, no rules. */
export const DEFAULT_POLICY_DOCUMENT = {
  version: 1,
  algorithms: ['ESP256', 'ES256', 'ES384', 'Ed25519', 'EdDSA', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'],
  max_statement_bytes: 1_048_576,
  issuers: [],
  aat: { validate: true, require_chain: true, require_record_phase: false, hash_envelope: 'reject', required: false },
  rules: [],
};

const TOP = ['version', 'algorithms', 'max_statement_bytes', 'issuers', 'aat', 'rules'];
const ISSUER = ['iss', 'status', 'keys'];
const KEY = ['cose', 'pem', 'status', 'not_before', 'not_after'];
const AAT = ['validate', 'require_chain', 'require_record_phase', 'hash_envelope', 'required'];
const RULE = ['name', 'rule'];

type Path = (string | number)[];

class Checker {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
  ) {}

  fail(path: Path, message: string): never {
    const field = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
    let line: number | undefined;
    let column: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null)?.range;
      if (range) ({ line, col: column } = this.lines.linePos(range[0]));
    }
    const where = line === undefined ? this.file : `${this.file}:${line}:${column}`;
    throw new AtlogError('ERR_POLICY_INVALID', `${where}: ${field || '(document)'}: ${message}`, { details: { file: this.file, field, line, column } });
  }

  object(v: unknown, path: Path, allowed: string[]): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'must be a mapping');
    for (const k of Object.keys(v)) if (!allowed.includes(k)) this.fail([...path, k], `unknown field (allowed: ${allowed.join(', ')})`);
    return v as Record<string, unknown>;
  }
  array(v: unknown, path: Path): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'must be a list');
    return v;
  }
  string(v: unknown, path: Path): string {
    if (typeof v !== 'string' || v === '') this.fail(path, 'must be a non-empty string');
    return v;
  }
  bool(v: unknown, path: Path): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'must be true or false');
    return v;
  }
  oneOf<T extends string>(v: unknown, path: Path, values: readonly T[]): T {
    if (!values.includes(v as T)) this.fail(path, `must be one of ${values.join(', ')}`);
    return v as T;
  }
  date(v: unknown, path: Path): Date {
    const s = this.string(v, path);
    const d = new Date(s);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s) || Number.isNaN(d.getTime())) {
      this.fail(path, 'must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z');
    }
    return d;
  }
}

function parseKey(c: Checker, v: unknown, path: Path): PolicyKey {
  const o = c.object(v, path, KEY);
  if ((o['cose'] === undefined) === (o['pem'] === undefined)) c.fail(path, "needs exactly one of 'cose' (base64 or hex COSE_Key) or 'pem'");
  let key: PublicKey;
  try {
    if (o['cose'] !== undefined) {
      const s = c.string(o['cose'], [...path, 'cose']).replace(/\s+/g, '');
      const bytes = /^[0-9a-fA-F]+$/.test(s) && s.length % 2 === 0 ? fromHex(s) : fromBase64(s, 'cose');
      const k = importCoseKey(bytes);
      key = 'publicKey' in k ? k.publicKey : k;
    } else {
      const k = importPem(c.string(o['pem'], [...path, 'pem']));
      key = 'publicKey' in k ? k.publicKey : k;
    }
  } catch (e) {
    if (e instanceof AtlogError && e.code === 'ERR_POLICY_INVALID') throw e;
    c.fail([...path, o['cose'] !== undefined ? 'cose' : 'pem'], `not a usable public key (${e instanceof Error ? e.message : String(e)})`);
  }
  const out: PolicyKey = { key, status: o['status'] === undefined ? 'active' : c.oneOf(o['status'], [...path, 'status'], ['active', 'revoked']) };
  if (o['not_before'] !== undefined) out.notBefore = c.date(o['not_before'], [...path, 'not_before']);
  if (o['not_after'] !== undefined) out.notAfter = c.date(o['not_after'], [...path, 'not_after']);
  if (out.notBefore && out.notAfter && out.notBefore > out.notAfter) c.fail([...path, 'not_after'], 'is before not_before');
  return out;
}

function parseIssuer(c: Checker, v: unknown, path: Path): PolicyIssuer {
  const o = c.object(v, path, ISSUER);
  const iss = c.string(o['iss'], [...path, 'iss']);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(iss)) c.fail([...path, 'iss'], 'must be a URI (e.g. urn:agent:example:bot-1)');
  const keys = c.array(o['keys'] ?? [], [...path, 'keys']).map((k, i) => parseKey(c, k, [...path, 'keys', i]));
  const status = o['status'] === undefined ? 'active' : c.oneOf(o['status'], [...path, 'status'], ['active', 'revoked']);
  return { iss, status, keys };
}

function parseAlgorithms(c: Checker, v: unknown): Set<number> {
  const out = new Set<number>();
  c.array(v, ['algorithms']).forEach((a, i) => {
    const info = typeof a === 'number' ? algById(a) : typeof a === 'string' ? tryName(a) : undefined;
    if (!info) c.fail(['algorithms', i], 'unknown algorithm (use ESP256, ES256, ES384, Ed25519, EdDSA, ML-DSA-44/65/87 or a COSE id)');
    out.add(info.id);
  });
  if (out.size === 0) c.fail(['algorithms'], 'must allow at least one algorithm');
  return out;
}

function tryName(n: string): ReturnType<typeof algById> {
  try {
    return algByName(n);
  } catch {
    return undefined;
  }
}

/** Validates a parsed document (plain JSON data) and normalises it. */
function fromData(data: unknown, c: Checker, source: string | undefined): Policy {
  const o = c.object(data, [], TOP);
  if (o['version'] !== 1) c.fail(['version'], 'must be 1');
  const d = DEFAULT_POLICY_DOCUMENT;
  const algorithms = parseAlgorithms(c, o['algorithms'] ?? d.algorithms);
  const max = o['max_statement_bytes'] ?? d.max_statement_bytes;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 64 || max > 64 * 1024 * 1024) {
    c.fail(['max_statement_bytes'], 'must be an integer between 64 and 67108864');
  }
  const issuers = c.array(o['issuers'] ?? [], ['issuers']).map((x, i) => parseIssuer(c, x, ['issuers', i]));
  const seen = new Set<string>();
  issuers.forEach((x, i) => {
    if (seen.has(x.iss)) c.fail(['issuers', i, 'iss'], `duplicate issuer ${x.iss}`);
    seen.add(x.iss);
  });
  const a = c.object(o['aat'] ?? {}, ['aat'], AAT);
  const da = d.aat;
  const aat: AatPolicy = {
    validate: c.bool(a['validate'] ?? da.validate, ['aat', 'validate']),
    requireChain: c.bool(a['require_chain'] ?? da.require_chain, ['aat', 'require_chain']),
    requireRecordPhase: c.bool(a['require_record_phase'] ?? da.require_record_phase, ['aat', 'require_record_phase']),
    hashEnvelope: c.oneOf(a['hash_envelope'] ?? da.hash_envelope, ['aat', 'hash_envelope'], ['reject', 'accept'] as const),
    required: c.bool(a['required'] ?? da.required, ['aat', 'required']),
  };
  if (aat.requireChain && !aat.validate) c.fail(['aat', 'require_chain'], 'needs aat.validate: true (the chain is checked on parsed records)');
  const names = new Set<string>();
  const rules = c.array(o['rules'] ?? [], ['rules']).map((r, i) => {
    const ro = c.object(r, ['rules', i], RULE);
    const name = c.string(ro['name'], ['rules', i, 'name']);
    if (names.has(name)) c.fail(['rules', i, 'name'], `duplicate rule name ${name}`);
    names.add(name);
    try {
      return compileRule(name, c.string(ro['rule'], ['rules', i, 'rule']));
    } catch (e) {
      if (e instanceof AtlogError && e.code === 'ERR_POLICY_RULE_SYNTAX') c.fail(['rules', i, 'rule'], e.message);
      throw e;
    }
  });
  const hash = policyHash(data);
  return { hash, hashHex: toHex(hash), source, algorithms, maxStatementBytes: max, issuers, aat, rules };
}

/**
 * SHA-256 over the RFC 8785 (JCS) canonical JSON of the parsed document: comments, key order, YAML vs JSON
 * and whitespace do not change it; any change of meaning does.
 */
export function policyHash(data: unknown): Uint8Array {
  try {
    return sha256(canonicalBytes(data));
  } catch (e) {
    throw new AtlogError('ERR_POLICY_INVALID', 'policy has no canonical JSON form (NaN, infinity?)', { cause: e });
  }
}

/**
 * Parses and validates a policy file's text (YAML or JSON).
 * @param file name used in error messages (and `Policy.source`).
 * @throws AtlogError ERR_POLICY_SYNTAX (YAML/JSON syntax, duplicate keys) or ERR_POLICY_INVALID (schema),
 *   both with details.line / details.column, ERR_POLICY_INVALID also with details.field.
 */
export function parsePolicy(text: string, file: string): Policy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const pos = lines.linePos(err.pos[0]);
    throw new AtlogError('ERR_POLICY_SYNTAX', `${file}:${pos.line}:${pos.col}: ${err.message.split('\n')[0]}`, {
      details: { file, line: pos.line, column: pos.col },
    });
  }
  let data: unknown;
  try {
    // Aliases are resolved here: an unresolved one, or an alias bomb beyond 100 expansions, throws.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new AtlogError('ERR_POLICY_SYNTAX', `${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, details: { file } });
  }
  return fromData(data, new Checker(doc, lines, file), file);
}

/** The built-in default policy (no file). */
export function defaultPolicy(): Policy {
  return { ...parsePolicy(JSON.stringify(DEFAULT_POLICY_DOCUMENT), '(default policy)'), source: undefined };
}
