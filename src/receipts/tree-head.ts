import { AtlogError } from '../errors.js';
import { ALG_ES256, ALG_ML_DSA_65, algById } from '../cose/algorithms.js';
import { cborEncode, Tag } from '../cose/cbor.js';
import { COSE_SIGN1_TAG, CWT_IAT, CWT_ISS, HEADER_3161_CTT, HEADER_ALG, HEADER_CWT_CLAIMS, HEADER_KID, HEADER_VDS, VDS_RFC9162_SHA256 } from '../cose/labels.js';
import { encodeProtected, toBeSigned } from '../cose/sign1.js';
import type { PrivateKey, PublicKey } from '../keys/index.js';
import { assertBytes, equalBytes } from '../util/bytes.js';
import { candidateKeys, unverified, verifyWithAny } from './keys.js';
import { asIndex, malformed, parseReceipt } from './parse.js';
import { HEADER_TREE_SIZE, type DecodedTreeHead, type SignedTreeHead } from './types.js';

/**
 * Signed tree heads (spec/receipts.md, STANDARDS.md "Decision (signing)"): the service signs the Merkle root of
 * a checkpoint once; every receipt of that checkpoint reuses the protected header and the signature.
 */

export interface SignTreeHeadOptions {
  key: PrivateKey;
  /** CWT iss (the service's URL or name). */
  issuer: string;
  treeSize: number;
  root: Uint8Array;
  /** CWT iat, seconds since the epoch (default: now). */
  iat?: number;
  /** COSE alg to label the signature with (default: ES256 -7 for P-256, the key's own alg otherwise). */
  alg?: number;
  /** Extra protected labels (e.g. the service's policy hash); may not override the labels set here. */
  extraProtected?: Map<number | string, unknown>;
}

/** STANDARDS.md "Decision (algorithms)": P-256 receipts are labelled ES256 unless configured to ESP256. */
function defaultAlg(key: PrivateKey): number {
  const info = algById(key.alg);
  if (info?.family === 'P-256') return ALG_ES256;
  if (info?.family === 'ML-DSA-65') return ALG_ML_DSA_65;
  return key.alg;
}

/**
 * Sign a tree head: COSE_Sign1 over the detached 32-byte root with protected
 * `{1: alg, 4: kid, 395: 1, 15: {1: iss, 6: iat}, -65537: treeSize, ...extra}`.
 * @throws AtlogError ERR_INVALID_ARGUMENT for a bad root, size or an alg the key cannot produce.
 */
export function signTreeHead(o: SignTreeHeadOptions): SignedTreeHead {
  const { head, tbs } = prepareTreeHead(o);
  return { ...head, signature: o.key.sign(tbs, head.alg) };
}

/**
 * Everything of a tree head but its signature, and the bytes to sign: for callers that compute the signature
 * elsewhere (the service signs ML-DSA heads in a worker thread). `signTreeHead` is this plus `key.sign`.
 * @throws AtlogError ERR_INVALID_ARGUMENT as signTreeHead.
 */
export function prepareTreeHead(o: SignTreeHeadOptions): { head: Omit<SignedTreeHead, 'signature'>; tbs: Uint8Array } {
  assertBytes(o.root, 32, 'root');
  if (asIndex(o.treeSize) === undefined) throw new AtlogError('ERR_INVALID_ARGUMENT', 'treeSize must be a non-negative safe integer');
  if (typeof o.issuer !== 'string' || o.issuer === '') throw new AtlogError('ERR_INVALID_ARGUMENT', 'issuer must be non-empty text');
  const alg = o.alg ?? defaultAlg(o.key);
  if (!o.key.supportsAlg(alg)) throw new AtlogError('ERR_INVALID_ARGUMENT', `alg ${alg} does not fit a ${o.key.alg} key`);
  const iat = o.iat ?? Math.floor(Date.now() / 1000);
  const p = new Map<number | string, unknown>([
    [HEADER_ALG, alg],
    [HEADER_KID, o.key.kid],
    [HEADER_VDS, VDS_RFC9162_SHA256],
    [HEADER_CWT_CLAIMS, new Map<number, unknown>([[CWT_ISS, o.issuer], [CWT_IAT, iat]])],
    [HEADER_TREE_SIZE, o.treeSize],
  ]);
  for (const [k, v] of o.extraProtected ?? []) {
    if (p.has(k)) throw new AtlogError('ERR_INVALID_ARGUMENT', `extraProtected may not set label ${String(k)}`);
    p.set(k, v);
  }
  const protectedBytes = encodeProtected(p);
  return { head: { treeSize: o.treeSize, root: o.root, protectedBytes, alg, kid: o.key.kid }, tbs: toBeSigned(protectedBytes, o.root) };
}

/** The unprotected header shared by tree heads and receipts: 270 when anchored. */
export function timestampHeader(timestamps: readonly Uint8Array[] | undefined): Map<number, unknown> {
  const u = new Map<number, unknown>();
  if (timestamps && timestamps.length > 0) {
    for (const t of timestamps) assertBytes(t, undefined, 'timestamp token');
    // RFC 9921 defines one bstr; several tokens (several TSAs) go in an array (spec/receipts.md).
    u.set(HEADER_3161_CTT, timestamps.length === 1 ? timestamps[0] : [...timestamps]);
  }
  return u;
}

/**
 * The tree head as a tagged COSE_Sign1: payload nil (detached root) unless `attachRoot`, which makes a
 * self-contained checkpoint file (bundles and `atlog verify --old-checkpoint` use that form).
 */
export function encodeSignedTreeHead(sth: SignedTreeHead, o: { timestamps?: Uint8Array[]; attachRoot?: boolean } = {}): Uint8Array {
  return cborEncode(new Tag([sth.protectedBytes, timestampHeader(o.timestamps), o.attachRoot ? sth.root : null, sth.signature], COSE_SIGN1_TAG));
}

/**
 * Read a tree head back (no signature check; see verifySignedTreeHead).
 * @throws AtlogError ERR_RECEIPT_MALFORMED when it lacks the tree size label, vds 1, or has a bad payload.
 */
export function decodeSignedTreeHead(bytes: Uint8Array): DecodedTreeHead {
  const r = parseReceipt(bytes);
  if (r.treeSize === undefined) throw malformed('tree head has no tree size (-65537)');
  if (r.vds !== VDS_RFC9162_SHA256) throw new AtlogError('ERR_RECEIPT_UNSUPPORTED_VDS', `tree head vds ${String(r.vds)} is not 1`);
  if (r.payload !== null && r.payload.length !== 32) throw malformed('tree head payload must be nil or a 32-byte root');
  return {
    treeSize: r.treeSize,
    root: r.payload ?? undefined,
    protectedBytes: r.protectedBytes,
    protectedHeader: r.protectedHeader,
    signature: r.signature,
    alg: r.alg,
    kid: r.kid,
    issuer: r.issuer,
    iat: r.iat,
    timestamps: r.timestamps,
  };
}

/**
 * Decode and check a tree head's signature. The root comes from the attached payload or from `root`; when both
 * are present they must agree.
 * @throws AtlogError ERR_RECEIPT_MALFORMED, ERR_RECEIPT_UNKNOWN_KEY, ERR_RECEIPT_BAD_SIGNATURE (the root is known
 *   independently here, so a failed check is the signature's fault).
 */
export function verifySignedTreeHead(bytes: Uint8Array, o: { keys: readonly PublicKey[]; root?: Uint8Array }): DecodedTreeHead & { root: Uint8Array } {
  const th = decodeSignedTreeHead(bytes);
  const root = th.root ?? o.root;
  if (root === undefined) throw malformed('tree head has a detached root and none was supplied');
  assertBytes(root, 32, 'root');
  if (th.root !== undefined && o.root !== undefined && !equalBytes(th.root, o.root)) {
    throw new AtlogError('ERR_RECEIPT_BAD_SIGNATURE', 'supplied root differs from the attached one');
  }
  const keys = candidateKeys(o.keys, th.alg, th.kid);
  if (!verifyWithAny(keys.keys, th.protectedBytes, root, th.signature)) {
    throw unverified(keys, new AtlogError('ERR_RECEIPT_BAD_SIGNATURE', 'tree head signature does not verify'));
  }
  return { ...th, root };
}
