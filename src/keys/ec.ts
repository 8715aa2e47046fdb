import {
  createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { AlgFamily } from '../cose/algorithms.js';
import {
  CRV_ED25519, CRV_P256, CRV_P384, KEY_ALG, KEY_CRV, KEY_D, KEY_KID, KEY_KTY, KEY_X, KEY_Y, KTY_EC2, KTY_OKP,
} from '../cose/labels.js';
import { AtlogError } from '../errors.js';
import { fromBase64Url, toBase64Url } from '../util/bytes.js';
import { bindAlg, KeyBase } from './base.js';
import { thumbprint } from './thumbprint.js';
import type { CoseKeyMap, PrivateKey, PublicKey } from './types.js';

/**
 * EC2 (P-256, P-384) and OKP (Ed25519) keys on node:crypto KeyObjects, created once per key and cached.
 * ECDSA signatures are raw r||s (IEEE P1363, `dsaEncoding: 'ieee-p1363'`), never DER (RFC 9053 2.1).
 */

interface Curve {
  family: AlgFamily;
  kty: number;
  crv: number;
  jwkCrv: string;
  size: number;
  hash: string | null;
}

export const CURVES: readonly Curve[] = [
  { family: 'P-256', kty: KTY_EC2, crv: CRV_P256, jwkCrv: 'P-256', size: 32, hash: 'sha256' },
  { family: 'P-384', kty: KTY_EC2, crv: CRV_P384, jwkCrv: 'P-384', size: 48, hash: 'sha384' },
  { family: 'Ed25519', kty: KTY_OKP, crv: CRV_ED25519, jwkCrv: 'Ed25519', size: 32, hash: null },
];

function invalid(msg: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_KEY_INVALID', msg, { cause });
}

/** The curve of a COSE (kty, crv) pair. @throws AtlogError ERR_KEY_UNSUPPORTED otherwise. */
export function curveOf(kty: unknown, crv: unknown): Curve {
  const c = CURVES.find((x) => x.kty === kty && x.crv === crv);
  if (!c) throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported key type ${String(kty)} / curve ${String(crv)}`);
  return c;
}

function curveOfFamily(family: AlgFamily): Curve {
  const c = CURVES.find((x) => x.family === family);
  if (!c) throw new AtlogError('ERR_KEY_UNSUPPORTED', `${family} is not an EC/OKP family`);
  return c;
}

function coord(v: unknown, size: number, name: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== size) throw invalid(`${name} must be a ${size}-byte bstr`);
  return v;
}

function jwkOf(c: Curve, x: Uint8Array, y: Uint8Array | undefined, d?: Uint8Array): JsonWebKey {
  const jwk: JsonWebKey = c.kty === KTY_OKP ? { kty: 'OKP', crv: c.jwkCrv, x: toBase64Url(x) } : { kty: 'EC', crv: c.jwkCrv, x: toBase64Url(x), y: toBase64Url(y!) };
  if (d) jwk.d = toBase64Url(d);
  return jwk;
}

class EcPublicKey extends KeyBase implements PublicKey {
  readonly kty: number;
  readonly kid: Uint8Array;
  readonly kidGiven: boolean;
  readonly thumbprint: Uint8Array;

  constructor(
    private readonly curve: Curve,
    private readonly x: Uint8Array,
    private readonly y: Uint8Array | undefined,
    readonly keyObject: KeyObject,
    alg: unknown,
    kid: Uint8Array | undefined,
  ) {
    const b = bindAlg(curve.family, alg);
    super(curve.family, b.alg, b.algBound);
    this.kty = curve.kty;
    this.thumbprint = thumbprint(this.params());
    this.kid = kid ?? this.thumbprint;
    this.kidGiven = kid !== undefined;
  }

  /** kty, crv, x (, y): the public parameters. */
  params(): CoseKeyMap {
    const m: CoseKeyMap = new Map<number, unknown>([[KEY_KTY, this.kty], [KEY_CRV, this.curve.crv], [KEY_X, this.x]]);
    if (this.y) m.set(KEY_Y, this.y);
    return m;
  }

  verify(data: Uint8Array, sig: Uint8Array, alg?: number): boolean {
    this.useAlg(alg);
    // Fixed-length raw signatures only: a DER signature (or anything else) is not a valid COSE signature.
    if (!(sig instanceof Uint8Array) || sig.length !== 2 * this.curve.size) return false;
    try {
      return nodeVerify(this.curve.hash, data, { key: this.keyObject, dsaEncoding: 'ieee-p1363' }, sig);
    } catch {
      return false;
    }
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
    private readonly d: Uint8Array,
    readonly keyObject: KeyObject,
    private readonly curve: Curve,
  ) {
    super(publicKey.family, publicKey.alg, publicKey.algBound);
    this.kty = publicKey.kty;
    this.kid = publicKey.kid;
  }

  sign(data: Uint8Array, alg?: number): Uint8Array {
    this.useAlg(alg);
    return new Uint8Array(nodeSign(this.curve.hash, data, { key: this.keyObject, dsaEncoding: 'ieee-p1363' }));
  }

  toCoseKey(): CoseKeyMap {
    const m = this.publicKey.toCoseKey();
    m.set(KEY_D, this.d);
    return m;
  }
}

function publicFromJwk(c: Curve, jwk: JsonWebKey, alg: unknown, kid: Uint8Array | undefined, ko?: KeyObject): EcPublicKey {
  const x = fromBase64Url(jwk.x ?? '', 'x');
  const y = c.kty === KTY_EC2 ? fromBase64Url(jwk.y ?? '', 'y') : undefined;
  const keyObject = ko ?? createPublicKey({ key: jwk, format: 'jwk' });
  return new EcPublicKey(c, coord(x, c.size, 'x'), y && coord(y, c.size, 'y'), keyObject, alg, kid);
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
  let ko: KeyObject;
  try {
    ko = createPublicKey({ key: jwkOf(c, x, y), format: 'jwk' });
  } catch (e) {
    throw invalid(`not a valid ${c.family} public key`, e);
  }
  return new EcPublicKey(c, x, y, ko, m.get(KEY_ALG), kid);
}

/**
 * An EC2/OKP private key from COSE parameters (`d`; the public part is derived and, when given, must match).
 * @throws AtlogError as ecPublicFromCose, and ERR_KEY_INVALID when d is malformed or x/y do not match it.
 */
export function ecPrivateFromCose(m: CoseKeyMap, kid?: Uint8Array): PrivateKey {
  const c = curveOf(m.get(KEY_KTY), m.get(KEY_CRV));
  const d = coord(m.get(KEY_D), c.size, 'd');
  let ko: KeyObject;
  let derived: EcPublicKey;
  try {
    const x = m.has(KEY_X) ? coord(m.get(KEY_X), c.size, 'x') : undefined;
    const y = m.has(KEY_Y) ? coord(m.get(KEY_Y), c.size, 'y') : undefined;
    // node:crypto needs the public coordinates for an EC JWK; derive them from d first when absent.
    ko = x && (y || c.kty === KTY_OKP) ? createPrivateKey({ key: jwkOf(c, x, y, d), format: 'jwk' }) : privateFromD(c, d);
    const pubJwk = createPublicKey(ko).export({ format: 'jwk' });
    derived = publicFromJwk(c, pubJwk, m.get(KEY_ALG), kid);
    if (x && toBase64Url(x) !== pubJwk.x) throw invalid('x does not belong to d');
    if (y && toBase64Url(y) !== pubJwk.y) throw invalid('y does not belong to d');
  } catch (e) {
    if (e instanceof AtlogError) throw e;
    throw invalid(`not a valid ${c.family} private key`, e);
  }
  return new EcPrivateKey(derived, d, ko, c);
}

/** A private KeyObject from the scalar alone (PKCS#8 / SEC1 DER built around `d`). */
function privateFromD(c: Curve, d: Uint8Array): KeyObject {
  if (c.kty === KTY_OKP) {
    // RFC 8410 PKCS#8 for Ed25519: fixed 16-byte prefix, then the 32-byte seed.
    const prefix = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
    return createPrivateKey({ key: Buffer.concat([prefix, d]), format: 'der', type: 'pkcs8' });
  }
  // RFC 5915 ECPrivateKey (SEC1) without the optional public key: SEQ { 1, OCTET STRING d, [0] curve OID }.
  const oid = c.crv === CRV_P256 ? [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] : [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
  const body = [0x02, 0x01, 0x01, 0x04, d.length, ...d, 0xa0, oid.length, ...oid];
  return createPrivateKey({ key: Buffer.from([0x30, body.length, ...body]), format: 'der', type: 'sec1' });
}

/**
 * Wraps node:crypto KeyObjects (from PEM or generation) as atlog keys.
 * @throws AtlogError ERR_KEY_UNSUPPORTED for key types other than P-256, P-384 and Ed25519.
 */
export function ecFromKeyObject(ko: KeyObject, alg?: unknown): PublicKey | PrivateKey {
  const pubKo = ko.type === 'private' ? createPublicKey(ko) : ko;
  const jwk = pubKo.export({ format: 'jwk' });
  const c = CURVES.find((x) => x.jwkCrv === jwk.crv);
  if (!c) throw new AtlogError('ERR_KEY_UNSUPPORTED', `unsupported key (${ko.asymmetricKeyType ?? '?'} ${jwk.crv ?? ''})`);
  const pub = publicFromJwk(c, jwk, alg, undefined, pubKo);
  if (ko.type !== 'private') return pub;
  const d = fromBase64Url(ko.export({ format: 'jwk' }).d ?? '', 'd');
  return new EcPrivateKey(pub, coord(d, c.size, 'd'), ko, c);
}

/** A fresh key of an EC/OKP family, bound to `alg`. */
export function generateEcKey(family: AlgFamily, alg: number): PrivateKey {
  const c = curveOfFamily(family);
  const { privateKey } = c.kty === KTY_OKP ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: c.jwkCrv });
  return ecFromKeyObject(privateKey, alg) as PrivateKey;
}

/** The cached node:crypto KeyObject behind an EC/OKP key (for PEM export), or undefined for other keys. */
export function keyObjectOf(k: PublicKey | PrivateKey): KeyObject | undefined {
  return k instanceof EcPublicKey || k instanceof EcPrivateKey ? k.keyObject : undefined;
}
