import { AtlogError } from '../errors.js';
import { cborDecode, isTag } from '../cose/cbor.js';
import { HEADER_3161_CTT, HEADER_ALG, HEADER_CRIT, HEADER_CWT_CLAIMS, HEADER_KID, HEADER_VDP, HEADER_VDS, CWT_IAT, CWT_ISS } from '../cose/labels.js';
import { decodeSign1 } from '../cose/sign1.js';
import { HEADER_TREE_SIZE } from './types.js';

/**
 * Structural parsing of receipts and tree heads (RFC 9942 section 4 and 5). Nothing here checks a signature:
 * it turns bytes into typed fields or throws ERR_RECEIPT_MALFORMED, naming the field.
 */

/** A receipt or tree head split into the fields the verifiers use. */
export interface ParsedReceipt {
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  payload: Uint8Array | null;
  signature: Uint8Array;
  alg: number;
  kid: Uint8Array | undefined;
  /** vds from the PROTECTED header only (RFC 9942 section 4: an unprotected vds is never trusted). */
  vds: number | undefined;
  issuer: string | undefined;
  iat: number | undefined;
  /** HEADER_TREE_SIZE when present. */
  treeSize: number | undefined;
  timestamps: Uint8Array[];
}

/** Protected labels atlog understands, so a `crit` listing only these is acceptable (RFC 9052 3.1). */
const UNDERSTOOD = new Set<unknown>([HEADER_ALG, HEADER_KID, HEADER_CWT_CLAIMS, HEADER_VDS, HEADER_TREE_SIZE]);

/** An ERR_RECEIPT_MALFORMED error naming what is wrong. */
export function malformed(detail: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_RECEIPT_MALFORMED', detail, cause === undefined ? {} : { cause });
}

/** A non-negative safe integer, else undefined. */
export function asIndex(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return undefined;
}

/** NumericDate, with or without tag 1 (STANDARDS.md: accept tag 1 on input). */
function numericDate(v: unknown): number | undefined {
  if (isTag(v, 1)) return numericDate(v.value);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** RFC 9921 label 270: one bstr, or (atlog extension, spec/receipts.md) an array of bstr. */
export function readTimestamps(unprotected: Map<unknown, unknown>): Uint8Array[] {
  const t = unprotected.get(HEADER_3161_CTT);
  if (t === undefined) return [];
  if (t instanceof Uint8Array) return [t];
  if (Array.isArray(t) && t.length > 0 && t.every((x) => x instanceof Uint8Array)) return t as Uint8Array[];
  throw malformed('label 270 must be a bstr or a non-empty array of bstr');
}

/**
 * Split a receipt (or a signed tree head) into typed fields.
 * @throws AtlogError ERR_RECEIPT_MALFORMED when it is not a tagged COSE_Sign1 with a usable header.
 */
export function parseReceipt(bytes: Uint8Array): ParsedReceipt {
  if (!(bytes instanceof Uint8Array)) throw malformed('receipt must be bytes');
  let s;
  try {
    s = decodeSign1(bytes);
  } catch (e) {
    throw malformed('receipt is not a COSE_Sign1', e);
  }
  const p = s.protected as Map<unknown, unknown>;
  const alg = p.get(HEADER_ALG);
  if (typeof alg !== 'number' || !Number.isInteger(alg)) throw malformed('protected alg (1) missing');
  const kid = p.get(HEADER_KID);
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw malformed('kid (4) must be a bstr');
  const crit = p.get(HEADER_CRIT);
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.some((l) => !UNDERSTOOD.has(l))) throw malformed('crit (2) lists a label atlog does not understand');
  }
  const vdsRaw = p.get(HEADER_VDS);
  const vds = vdsRaw === undefined ? undefined : asIndex(vdsRaw);
  if (vdsRaw !== undefined && vds === undefined) throw malformed('vds (395) must be an unsigned integer');
  let issuer: string | undefined;
  let iat: number | undefined;
  const cwt = p.get(HEADER_CWT_CLAIMS);
  if (cwt !== undefined) {
    if (!(cwt instanceof Map)) throw malformed('CWT claims (15) must be a map');
    const iss = cwt.get(CWT_ISS);
    if (iss !== undefined && typeof iss !== 'string') throw malformed('CWT iss must be text');
    issuer = iss as string | undefined;
    iat = numericDate(cwt.get(CWT_IAT));
  }
  const tsRaw = p.get(HEADER_TREE_SIZE);
  const treeSize = tsRaw === undefined ? undefined : asIndex(tsRaw);
  if (tsRaw !== undefined && treeSize === undefined) throw malformed('tree size (-65537) must be an unsigned integer');
  const u = s.unprotected as Map<unknown, unknown>;
  return {
    protectedBytes: s.protectedBytes,
    protectedHeader: p,
    unprotectedHeader: u,
    payload: s.payload ?? null,
    signature: s.signature,
    alg,
    kid,
    vds,
    issuer,
    iat,
    treeSize,
    timestamps: readTimestamps(u),
  };
}

/** The proofs of one type in the vdp (396) map, each a bstr. */
export function proofsOfType(r: ParsedReceipt, type: number): Uint8Array[] | undefined {
  const vdp = r.unprotectedHeader.get(HEADER_VDP);
  if (vdp === undefined) return undefined;
  if (!(vdp instanceof Map)) throw malformed('vdp (396) must be a map');
  const list = vdp.get(type);
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => x instanceof Uint8Array)) {
    throw malformed(`vdp (396) ${type} must be a non-empty array of bstr`);
  }
  return list as Uint8Array[];
}

/** CBOR-decode one bstr-wrapped proof. */
export function decodeProof(b: Uint8Array, what: string): unknown {
  try {
    return cborDecode(b);
  } catch (e) {
    throw malformed(`${what} proof is not CBOR`, e);
  }
}

/** An array of 32-byte hashes (RFC 9162 path). */
export function hashPath(v: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(v)) throw malformed(`${what} path must be an array`);
  for (const h of v) if (!(h instanceof Uint8Array) || h.length !== 32) throw malformed(`${what} path holds a hash that is not 32 bytes`);
  return v as Uint8Array[];
}

