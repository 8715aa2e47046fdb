import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { AtlogError } from '../errors.js';

/**
 * The one door to the ASN.1 libraries for certificates and RFC 3161: asn1js reads the bytes into a tree,
 * @peculiar/asn1-schema maps a tree node onto a typed class (asn1-x509, asn1-cms, asn1-tsp), and `der(node)` is
 * the node's encoding exactly as received, for the places where a signature or a hash covers bytes.
 *
 * asn1js reads BER, so `parseDer` adds the DER rules a verifier needs (X.690 section 10): definite and minimal
 * lengths, primitive strings, canonical BOOLEAN, minimal INTEGER and OID arcs, clean BIT STRING padding, no
 * trailing bytes. Errors are `ERR_TSA_MALFORMED`: certificates reach atlog in TSA tokens, TSA roots and trust
 * stores, and callers with another vocabulary (the CCF trust store) wrap them. Pure, browser-safe.
 */

export type Node = asn1js.AsnType;

/** Universal tag numbers (X.680 8.4) of the types atlog reads. */
export const TAG = { BOOLEAN: 1, INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, ENUMERATED: 10, SEQUENCE: 16, SET: 17 } as const;

const UNIVERSAL = 1;
const CONTEXT = 3;

function malformed(what: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_TSA_MALFORMED', `malformed DER: ${what}`, cause === undefined ? {} : { cause });
}

/** The encoding of `node` as received (a view into the parsed bytes: tag, length and contents). */
export function der(node: Node): Uint8Array {
  return node.valueBeforeDecodeView;
}

/** The contents octets of `node` as received (its encoding without tag and length). */
export function contents(node: Node): Uint8Array {
  return der(node).subarray(node.idBlock.blockLength + node.lenBlock.blockLength);
}

/** The elements of a constructed node (none for a primitive one). */
export function children(node: Node): Node[] {
  const v = node.valueBlock as { value?: unknown };
  return node.idBlock.isConstructed && Array.isArray(v.value) ? (v.value as Node[]) : [];
}

/**
 * The tags of a node's elements as text, for checking a structure's layout with a regular expression: `u16` is
 * universal 16 (SEQUENCE), `c0` a constructed `[0]`, `c0p` a primitive `[0]`, `x` another class. asn1-schema
 * accepts any tag for a mandatory field of a structured type (it matches it as ANY), so the layers whose exact
 * bytes no signature covers are checked with this as well.
 */
export function shape(node: Node): string {
  return children(node)
    .map(({ idBlock: b }) => (b.tagClass === UNIVERSAL ? `u${b.tagNumber}` : b.tagClass === CONTEXT ? `c${b.tagNumber}${b.isConstructed ? '' : 'p'}` : 'x'))
    .join(' ');
}

/**
 * Require a constructed node's own tag (SEQUENCE unless `tag` names another, in {@link shape}'s notation: `'u17'`
 * for a SET, `'c0'` for `[0]`, ...) and the tags of its elements (`layout`).
 * @throws AtlogError `ERR_TSA_MALFORMED` when either differs.
 */
export function expectShape(node: Node | undefined, layout: RegExp, what: string, tag: `${'u' | 'c'}${number}` = 'u16'): Node {
  const n = Number(tag.slice(1));
  const own = !!node && node.idBlock.isConstructed && (tag[0] === 'u' ? isUniversal(node, n) : isContext(node, n));
  if (!own || !layout.test(shape(node!))) throw malformed(`${what} does not have its ASN.1 layout`);
  return node!;
}

/** True when `node` is the context-specific tag `[n]`. */
export function isContext(node: Node | undefined, n: number): boolean {
  return node?.idBlock.tagClass === CONTEXT && node.idBlock.tagNumber === n;
}

/** True when `node` has the universal tag `tagNumber` (2 INTEGER, 6 OBJECT IDENTIFIER, 16 SEQUENCE, 17 SET, ...). */
export function isUniversal(node: Node | undefined, tagNumber: number): boolean {
  return node?.idBlock.tagClass === UNIVERSAL && node.idBlock.tagNumber === tagNumber;
}

/** True when `node` is a universal SEQUENCE. */
export function isSequence(node: Node | undefined): boolean {
  return isUniversal(node, TAG.SEQUENCE);
}

/**
 * Read exactly one DER element filling `bytes`. The tree's `der(node)` views alias `bytes`: copy what must outlive
 * a change to them.
 * @throws AtlogError `ERR_TSA_MALFORMED` on anything but DER, or trailing bytes.
 */
export function parseDer(bytes: Uint8Array, what: string): Node {
  // No speculative parsing of OCTET and BIT STRING contents as nested BER (what is nested is parsed where it is
  // used), and no private copy: the tree's views point into `bytes`.
  const r = asn1js.fromBER(bytes, { parseEmbedded: false, copyInput: false });
  if (r.offset === -1 || r.result.error !== '') throw malformed(`${what}: ${r.result.error || 'does not parse'}`);
  if (r.offset !== bytes.length) throw malformed(`trailing bytes after ${what}`);
  checkDer(r.result, what);
  return r.result;
}

function checkDer(node: Node, what: string): void {
  const { idBlock, lenBlock } = node;
  // X.690 10.1: definite length in the fewest octets. (asn1js's own warning for this looks at the last length
  // octet instead of the first, and so flags a length of 256.)
  const lengthOctets = der(node).subarray(idBlock.blockLength, idBlock.blockLength + lenBlock.blockLength);
  if (lenBlock.isIndefiniteForm || (lengthOctets[0]! & 0x80 && (lengthOctets[1] === 0 || lenBlock.length < 0x80))) {
    throw malformed(`${what}: indefinite or non-minimal length`);
  }
  // Each element spans exactly its header and declared length, and a constructed one exactly its elements: asn1js
  // lets an element run past the length of the one around it.
  if (der(node).length !== idBlock.blockLength + lenBlock.blockLength + lenBlock.length) throw malformed(`${what}: element overruns its length`);
  if (idBlock.isConstructed) {
    // X.690 10.2: strings are primitive in DER; of the universal types only SEQUENCE and SET are constructed here.
    if (idBlock.tagClass === UNIVERSAL && idBlock.tagNumber !== TAG.SEQUENCE && idBlock.tagNumber !== TAG.SET) throw malformed(`${what}: constructed string`);
    let inside = 0;
    for (const c of children(node)) {
      checkDer(c, what);
      inside += der(c).length;
    }
    if (inside !== lenBlock.length) throw malformed(`${what}: elements do not fill their container`);
    return;
  }
  if (idBlock.tagClass !== UNIVERSAL) return;
  if (idBlock.tagNumber === TAG.SEQUENCE || idBlock.tagNumber === TAG.SET) throw malformed(`${what}: primitive SEQUENCE or SET`);
  const c = contents(node);
  switch (idBlock.tagNumber) {
    case TAG.BOOLEAN: // X.690 11.1
      if (c.length !== 1 || (c[0] !== 0x00 && c[0] !== 0xff)) throw malformed(`${what}: BOOLEAN is not 0x00 or 0xFF`);
      break;
    case TAG.INTEGER:
    case TAG.ENUMERATED: // X.690 8.3.2: no redundant leading 0x00 or 0xFF octet
      if (c.length === 0 || (c.length > 1 && ((c[0] === 0x00 && c[1]! < 0x80) || (c[0] === 0xff && c[1]! >= 0x80)))) throw malformed(`${what}: non-minimal INTEGER`);
      break;
    case TAG.BIT_STRING: // X.690 11.2: unused bits are zero
      if (c.length === 0 || c[0]! > 7 || (c.length === 1 && c[0] !== 0) || (c.length > 1 && (c[c.length - 1]! & ((1 << c[0]!) - 1)) !== 0)) {
        throw malformed(`${what}: bad BIT STRING padding`);
      }
      break;
    case TAG.NULL:
      if (c.length !== 0) throw malformed(`${what}: NULL with contents`);
      break;
    case TAG.OID: // X.690 8.19.2: each arc in the fewest octets, the last octet of the last arc ends it
      if (c.length === 0 || c[c.length - 1]! & 0x80 || c.some((b, i) => b === 0x80 && (i === 0 || !(c[i - 1]! & 0x80)))) throw malformed(`${what}: bad OBJECT IDENTIFIER`);
      break;
  }
}

/**
 * Map a node onto a schema class of the @peculiar/asn1-* packages. `tagNumber` is the universal tag the node must
 * carry (SEQUENCE unless told): asn1-schema checks the tags of what is inside, but takes any constructed node for
 * the outermost SEQUENCE, and any constructed node at all for a SET OF or SEQUENCE OF.
 * @throws AtlogError `ERR_TSA_MALFORMED` when the node does not have that structure.
 */
export function decode<T>(node: Node, schema: new () => T, what: string, tagNumber: number = TAG.SEQUENCE): T {
  if (!isUniversal(node, tagNumber)) throw malformed(`${what}: unexpected tag`);
  try {
    return AsnParser.fromASN(node, schema);
  } catch (e) {
    throw malformed(`${what} does not match its ASN.1 structure`, e);
  }
}

/** `parseDer` then `decode`. @throws AtlogError `ERR_TSA_MALFORMED` */
export function parseAs<T>(bytes: Uint8Array, schema: new () => T, what: string, tagNumber: number = TAG.SEQUENCE): T {
  return decode(parseDer(bytes, what), schema, what, tagNumber);
}

/** DER of a schema object (for what atlog builds: requests, tokens, responses). */
export function encode(value: unknown): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(value));
}

/**
 * One element around contents that are already DER, placed byte for byte: the tag (a one-octet tag such as 0x30
 * SEQUENCE, 0x31 SET, 0xA0 [0]) and a minimal definite length (X.690 8.1.3, 10.1). asn1js writes a constructed
 * value by re-encoding its children and cannot embed encoded bytes, so the layers that only wrap bytes that are
 * final (a received token, a certificate as issued, signed attributes as signed) are written here.
 */
export function derElement(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const len = contents.reduce((n, e) => n + e.length, 0);
  const lenOctets: number[] = [];
  for (let x = len; x > 0; x = Math.floor(x / 256)) lenOctets.unshift(x % 256);
  const head = len < 0x80 ? [tag, len] : [tag, 0x80 | lenOctets.length, ...lenOctets];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  let at = head.length;
  for (const e of contents) {
    out.set(e, at);
    at += e.length;
  }
  return out;
}

/** The contents of one element that atlog encoded itself (the inverse of {@link derElement}). */
export function derContents(element: Uint8Array): Uint8Array {
  const first = element[1]!;
  return element.subarray(first < 0x80 ? 2 : 2 + (first & 0x7f));
}

/**
 * The dotted form of an OBJECT IDENTIFIER node, exactly. asn1js loses arcs at or above 2^53 (it prints UUID arcs
 * under 2.25, ITU-T X.667, as `{hex}` and rounds others: PeculiarVentures/ASN1.js#174), so OIDs that are
 * compared as text with such arcs in them (TSA policies) are read here.
 * @throws AtlogError `ERR_TSA_MALFORMED` when the node is not an OBJECT IDENTIFIER.
 */
export function oidOf(node: Node | undefined): string {
  if (!node || node.idBlock.tagClass !== UNIVERSAL || node.idBlock.tagNumber !== TAG.OID || node.idBlock.isConstructed) throw malformed('expected an OBJECT IDENTIFIER');
  const arcs: bigint[] = [];
  let acc = 0n;
  for (const b of contents(node)) {
    acc = (acc << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(acc);
      acc = 0n;
    }
  }
  const first = arcs.shift()!; // X.690 8.19.4: the first two arcs share one subidentifier
  const a = first < 80n ? first / 40n : 2n;
  return [a, first - a * 40n, ...arcs].join('.');
}

/**
 * Check that asn1js encodes the dotted OID `oid` to itself: its encoder is wrong for arcs between about 2^49
 * and 2^56, so an OID atlog writes (a TSA policy) is refused rather than silently changed.
 * @throws AtlogError `ERR_INVALID_ARGUMENT` when `oid` is not a dotted OID or does not survive encoding.
 */
export function assertEncodableOid(oid: string, name: string): void {
  const m = /^([0-2])\.(\d+)(\.\d+)*$/.exec(oid);
  if (!m || (m[1] !== '2' && BigInt(m[2]!) > 39n)) throw new AtlogError('ERR_INVALID_ARGUMENT', `${name} must be a dotted OID`);
  let back: string | undefined;
  try {
    back = oidOf(parseDer(new Uint8Array(new asn1js.ObjectIdentifier({ value: oid }).toBER()), name));
  } catch {
    back = undefined;
  }
  if (back !== oid) throw new AtlogError('ERR_INVALID_ARGUMENT', `${name} ${oid} cannot be encoded faithfully`);
}
