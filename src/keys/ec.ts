import { ed25519 } from '@noble/curves/ed25519.js';
import { p256, p384 } from '@noble/curves/nist.js';
import type { AlgFamily } from '../cose/algorithms.js';
import {
  CRV_ED25519, CRV_P256, CRV_P384, KEY_ALG, KEY_CRV, KEY_D, KEY_KID, KEY_KTY, KEY_X, KEY_Y, KTY_EC2, KTY_OKP,
} from '../cose/labels.js';
import { signMessage, verifySignature, type ClassicFamily } from '../crypto/signatures.js';
import { AtlogError } from '../errors.js';
import { concatBytes, equalBytes } from '../util/bytes.js';
import { bindAlg, KeyBase } from './base.js';
import { thumbprint } from './thumbprint.js';
import type { CoseKeyMap, PrivateKey, PublicKey } from './types.js';

/**
 * EC2 (P-256, P-384) and OKP (Ed25519) keys as raw bytes: the coordinates, the scalar or seed. Points and
 * scalars are checked with @noble/curves on import; signing and verification go through the one path of
 * src/crypto/signatures.ts. Nothing here needs Node, so a browser imports and verifies with these keys.
 */

export interface Curve {
  family: ClassicFamily;
  kty: number;
  crv: number;
  /** Bytes of x (and y) and of the private scalar or seed. */
  size: number;
}

export const CURVES: readonly Curve[] = [
  { family: 'P-256', kty: KTY_EC2, crv: CRV_P256, size: 32 },
  { family: 'P-384', kty: KTY_EC2, crv: CRV_P384, size: 48 },
  { family: 'Ed25519', kty: KTY_OKP, crv: CRV_ED25519, size: 32 },
];

const WEIERSTRASS = { 'P-256': p256, 'P-384': p384 } as const;

function invalid(msg: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_KEY_INVALID', msg, { cause });
}

/** The curve of a COSE (kty, crv) pair. @throws AtlogError ERR_KEY_UNSUPPORTED otherwise. */
export function curveOf(kty: unknown, crv: unknown): Curve {
  const c = CURVES.find((x) => x.kty === kty && x.crv === crv);
  if (!c) throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported key type ${String(kty)} / curve ${String(crv)}`);
  return c;
}

/** The curve of an EC/OKP family. @throws AtlogError ERR_KEY_UNSUPPORTED for other families. */
export function curveOfFamily(family: AlgFamily): Curve {
  const c = CURVES.find((x) => x.family === family);
  if (!c) throw new AtlogError('ERR_KEY_UNSUPPORTED', `${family} is not an EC/OKP family`);
  return c;
}

function coord(v: unknown, size: number, name: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== size) throw invalid(`${name} must be a ${size}-byte bstr`);
  return v.slice();
}

/**
 * The raw public key (uncompressed SEC1 point, or the Ed25519 encoding) after checking it is a usable point.
 * @throws AtlogError ERR_KEY_INVALID for a point off the curve, a non-canonical Ed25519 encoding, or an
 *   Ed25519 point outside the prime-order subgroup: one of small order (under which anyone can forge
 *   signatures) or with a small-order part (on which the cofactored and cofactorless checks can disagree).
 */
function checkedPoint(c: Curve, x: Uint8Array, y: Uint8Array | undefined): Uint8Array {
  try {
    if (c.family === 'Ed25519') {
      const a = ed25519.Point.fromBytes(x, false);
      if (a.isSmallOrder() || !a.isTorsionFree()) throw invalid('Ed25519 public key is not in the prime-order subgroup');
      return x;
    }
    const sec1 = concatBytes(Uint8Array.of(4), x, y!);
    WEIERSTRASS[c.family].Point.fromBytes(sec1).assertValidity();
    return sec1;
  } catch (e) {
    if (e instanceof AtlogError) throw e;
    throw invalid(`not a valid ${c.family} public key`, e);
  }
}

/** The public key of a scalar or seed, split into x (and y). @throws AtlogError ERR_KEY_INVALID for a bad d. */
function publicOf(c: Curve, d: Uint8Array): { x: Uint8Array; y: Uint8Array | undefined } {
  if (c.family === 'Ed25519') return { x: ed25519.getPublicKey(d), y: undefined };
  let point: Uint8Array;
  try {
    point = WEIERSTRASS[c.family].getPublicKey(d, false);
  } catch (e) {
    throw invalid(`d is not a valid ${c.family} private scalar`, e);
  }
  return { x: point.slice(1, 1 + c.size), y: point.slice(1 + c.size) };
}

class EcPublicKey extends KeyBase implements PublicKey {
  readonly kty: number;
  readonly kid: Uint8Array;
  readonly kidGiven: boolean;
  readonly thumbprint: Uint8Array;
  /** The raw key the signature backend sees; never handed out, so a backend may cache by its identity. */
  readonly raw: Uint8Array;

  constructor(
    readonly curve: Curve,
    private readonly x: Uint8Array,
    private readonly y: Uint8Array | undefined,
    alg: unknown,
    kid: Uint8Array | undefined,
  ) {
    const b = bindAlg(curve.family, alg);
    super(curve.family, b.alg, b.algBound);
    this.kty = curve.kty;
    this.raw = checkedPoint(curve, x, y);
    this.thumbprint = thumbprint(this.params());
    this.kid = kid ?? this.thumbprint;
    this.kidGiven = kid !== undefined;
  }

  /** kty, crv, x (, y): the public parameters. */
  params(): CoseKeyMap {
    const m: CoseKeyMap = new Map<number, unknown>([[KEY_KTY, this.kty], [KEY_CRV, this.curve.crv], [KEY_X, this.x.slice()]]);
    if (this.y) m.set(KEY_Y, this.y.slice());
    return m;
  }

  verify(data: Uint8Array, sig: Uint8Array, alg?: number): boolean {
    this.useAlg(alg);
    return verifySignature(this.curve.family, this.raw, data, sig);
  }

  toCoseKey(): CoseKeyMap {
    const m = this.params();
    m.set(KEY_KID, this.kid);
    if (this.algBound) m.set(KEY_ALG, this.alg);
    return m;
  }
}

class EcPrivateKey extends KeyBase implements PrivateKey {
  readonly kty: number;
  readonly kid: Uint8Array;

  constructor(
    readonly publicKey: EcPublicKey,
    /** The scalar or seed (not part of PrivateKey; `ecSecret` hands out copies). */
    readonly d: Uint8Array,
  ) {
    super(publicKey.family, publicKey.alg, publicKey.algBound);
    this.kty = publicKey.kty;
    this.kid = publicKey.kid;
  }

  sign(data: Uint8Array, alg?: number): Uint8Array {
    this.useAlg(alg);
    return signMessage(this.publicKey.curve.family, this.d, this.publicKey.raw, data);
  }

  toCoseKey(): CoseKeyMap {
    const m = this.publicKey.toCoseKey();
    m.set(KEY_D, this.d.slice());
    return m;
  }
}

/**
 * An EC2/OKP public key from COSE parameters.
 * @throws AtlogError ERR_KEY_UNSUPPORTED (curve), ERR_KEY_INVALID (lengths, point not on the curve),
 *   ERR_KEY_ALG_MISMATCH (alg of another family).
 */
export function ecPublicFromCose(m: CoseKeyMap, kid?: Uint8Array): PublicKey {
  const c = curveOf(m.get(KEY_KTY), m.get(KEY_CRV));
  const x = coord(m.get(KEY_X), c.size, 'x');
  const y = c.kty === KTY_EC2 ? coord(m.get(KEY_Y), c.size, 'y') : undefined;
  return new EcPublicKey(c, x, y, m.get(KEY_ALG), kid);
}

/**
 * An EC2/OKP private key from its scalar or seed; `x`/`y`, when given, must be its public key.
 * @throws AtlogError ERR_KEY_INVALID (d out of range, x/y that do not belong to d), ERR_KEY_ALG_MISMATCH.
 */
export function ecPrivateFromD(c: Curve, d: Uint8Array, alg?: unknown, kid?: Uint8Array, x?: Uint8Array, y?: Uint8Array): PrivateKey {
  const pub = publicOf(c, d);
  if (x && !equalBytes(x, pub.x)) throw invalid('x does not belong to d');
  if (y && pub.y && !equalBytes(y, pub.y)) throw invalid('y does not belong to d');
  return new EcPrivateKey(new EcPublicKey(c, pub.x, pub.y, alg, kid), d.slice());
}

/**
 * An EC2/OKP private key from COSE parameters (`d`; the public part is derived and, when given, must match).
 * @throws AtlogError as ecPublicFromCose, and ERR_KEY_INVALID when d is malformed or x/y do not match it.
 */
export function ecPrivateFromCose(m: CoseKeyMap, kid?: Uint8Array): PrivateKey {
  const c = curveOf(m.get(KEY_KTY), m.get(KEY_CRV));
  const d = coord(m.get(KEY_D), c.size, 'd');
  const x = m.has(KEY_X) ? coord(m.get(KEY_X), c.size, 'x') : undefined;
  const y = m.has(KEY_Y) ? coord(m.get(KEY_Y), c.size, 'y') : undefined;
  return ecPrivateFromD(c, d, m.get(KEY_ALG), kid, x, y);
}

/**
 * An EC2/OKP public key from its raw form (uncompressed or compressed SEC1 point, or the Ed25519 encoding),
 * as found in SPKI and PKCS#8.
 * @throws AtlogError ERR_KEY_INVALID (length, point), ERR_KEY_ALG_MISMATCH.
 */
export function ecPublicFromRaw(c: Curve, raw: Uint8Array, alg?: unknown): PublicKey {
  if (c.family === 'Ed25519') return new EcPublicKey(c, coord(raw, c.size, 'Ed25519 public key'), undefined, alg, undefined);
  let point: Uint8Array;
  try {
    point = WEIERSTRASS[c.family].Point.fromBytes(raw).toBytes(false);
  } catch (e) {
    throw invalid(`not a valid ${c.family} public key`, e);
  }
  return new EcPublicKey(c, point.slice(1, 1 + c.size), point.slice(1 + c.size), alg, undefined);
}

/** A fresh key of an EC/OKP family, bound to `alg` (randomness from `crypto.getRandomValues`). */
export function generateEcKey(family: AlgFamily, alg: number): PrivateKey {
  const c = curveOfFamily(family);
  const d = c.family === 'Ed25519' ? ed25519.utils.randomSecretKey() : WEIERSTRASS[c.family].utils.randomSecretKey();
  return ecPrivateFromD(c, d, alg);
}

/** The curve and raw public key (SEC1 uncompressed, or Ed25519) of an EC/OKP key; undefined for other keys. */
export function ecRawPublic(k: PublicKey | PrivateKey): { curve: Curve; raw: Uint8Array } | undefined {
  const pub = k instanceof EcPrivateKey ? k.publicKey : k;
  return pub instanceof EcPublicKey ? { curve: pub.curve, raw: pub.raw.slice() } : undefined;
}

/** The scalar or seed of an EC/OKP private key; undefined for other keys. */
export function ecSecret(k: PublicKey | PrivateKey): Uint8Array | undefined {
  return k instanceof EcPrivateKey ? k.d.slice() : undefined;
}
