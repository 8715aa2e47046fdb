import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { AtlogError } from '../errors.js';
import { jsonProblems, type JsonProblem } from './jcs.js';
import { JWK_THUMBPRINT, RECORD_SCHEMA } from './schema.js';
import { isTimestamp } from './time.js';
import { isGenesis, type AatRecord } from './types.js';

/** Highest draft revision this module knows (-06, Sep 2026). */
export const LATEST_DRAFT = 6;

export interface ValidateOptions {
  /**
   * The draft revision whose rules apply (0..6). Default 0: accept -00 records without `record_phase`
   * (still validated when present). From 1, `record_phase` is required (draft -01 Section 3.1). From 6, a signed
   * record also names `sig_alg` and `signer_kid`, and `signer_kid` is an RFC 7638 thumbprint (spec/aat.md 1.2).
   */
  draft?: number;
}

/** One bad field: a JSON Pointer (RFC 6901) into the record and what is wrong there. */
export type FieldError = JsonProblem;

const DEFAULTS: Required<ValidateOptions> = { draft: 0 };

/** Fill every default in one place (STYLE 12). @throws AtlogError `ERR_INVALID_ARGUMENT` for a bad draft. */
export function resolveValidateOptions(opts: ValidateOptions = {}): Required<ValidateOptions> {
  const r = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  if (!Number.isInteger(r.draft) || r.draft < 0 || r.draft > LATEST_DRAFT) {
    throw new AtlogError('ERR_INVALID_ARGUMENT', `draft must be an integer 0..${LATEST_DRAFT}`);
  }
  return r;
}

let compiled: ValidateFunction | undefined;

/**
 * The record schema's validator, compiled on first use and then kept: compiling costs about 0.1 s, which every
 * process importing the AAT module (each CLI command, an agent with the SDK) would otherwise pay at start-up.
 * allErrors: report every bad field, not only the first.
 */
function schemaCheck(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  addFormatsModule.default(ajv, ['uri']);
  // RFC 3339 with a mandatory offset and upper-case T/Z (ajv-formats' date-time also takes a space and 't').
  ajv.addFormat('date-time', { type: 'string', validate: isTimestamp });
  return (compiled = ajv.compile(RECORD_SCHEMA));
}

function fieldPath(e: ErrorObject): string {
  const missing = (e.params as { missingProperty?: unknown }).missingProperty;
  return typeof missing === 'string' ? `${e.instancePath}/${missing}` : e.instancePath;
}

function toFieldErrors(errors: ErrorObject[]): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // "must match then/else schema" only repeats the inner error that names the field.
    if (e.keyword === 'if') continue;
    const path = fieldPath(e);
    const message = e.message ?? e.keyword;
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

/**
 * Every problem with `x` as an AAT record (empty when valid). Never throws on hostile input.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` only for bad options.
 */
export function recordErrors(x: unknown, opts?: ValidateOptions): FieldError[] {
  const o = resolveValidateOptions(opts);
  const notJson = jsonProblems(x);
  if (notJson.length > 0) return notJson;
  const check = schemaCheck();
  const errors = check(x) ? [] : toFieldErrors(check.errors ?? []);
  if (typeof x === 'object' && x !== null && !Array.isArray(x)) errors.push(...revisionErrors(x as Record<string, unknown>, o.draft));
  return errors;
}

const THUMBPRINT = new RegExp(JWK_THUMBPRINT);

/** The rules JSON Schema does not express: members a revision requires, and -06's genesis-only member. */
function revisionErrors(x: Record<string, unknown>, draft: number): FieldError[] {
  const out: FieldError[] = [];
  const required = (member: string): void => {
    if (!(member in x)) out.push({ path: `/${member}`, message: `must have required property '${member}' (draft -0${draft})` });
  };
  if (draft >= 1) required('record_phase');
  if (draft >= 6 && 'signature' in x) {
    // -06 Section 6.2: sig_alg and signer_kid are set before signing, so a signed record carries both.
    required('sig_alg');
    required('signer_kid');
    if (typeof x['signer_kid'] === 'string' && !THUMBPRINT.test(x['signer_kid'])) {
      out.push({ path: '/signer_kid', message: 'must be an RFC 7638 JWK thumbprint (43 base64url characters, draft -06)' });
    }
  }
  const detail = x['action_detail'];
  const genesis = x['action_type'] === 'lifecycle' && typeof detail === 'object' && detail !== null && isGenesis(x as Pick<AatRecord, 'action_type' | 'action_detail'>);
  if ('anchor_interval_s' in x && !genesis) out.push({ path: '/anchor_interval_s', message: 'is allowed only in the genesis record (draft -06)' });
  return out;
}

/**
 * Validate an AAT record and return it typed. The same object is returned (unknown members preserved).
 * @throws AtlogError `ERR_AAT_INVALID` with `details.errors = [{ path, message }]` naming every bad field
 *   (`path` is a JSON Pointer, e.g. `/action_detail/tool_name`).
 * @throws AtlogError `ERR_INVALID_ARGUMENT` for bad options.
 */
export function validateRecord(x: unknown, opts?: ValidateOptions): AatRecord {
  const errors = recordErrors(x, opts);
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new AtlogError('ERR_AAT_INVALID', `invalid AAT record: ${first.path || '(root)'} ${first.message}`, {
      details: { errors },
    });
  }
  return x as AatRecord;
}

/** True when `x` is a valid AAT record under `opts`. */
export function isValidRecord(x: unknown, opts?: ValidateOptions): x is AatRecord {
  return recordErrors(x, opts).length === 0;
}
