import { describe, expect, it } from 'vitest';
import { leafHash } from '../../src/merkle/index.js';
import {
  cosignatureV1Message,
  ed25519CosignatureSigner,
  ed25519CosignatureVerifier,
  ed25519NoteSigner,
  formatCheckpoint,
  isValidSubtree,
  mldsa44CosignatureSigner,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVkey,
  SIG_COSIGNATURE_ED25519,
  SIG_COSIGNATURE_MLDSA44,
  signerFromSeed,
  signNote,
  subtreeV1Message,
  verifierFromVkey,
  verifySubtreeLine,
  vkeyOf,
} from '../../src/tlog/index.js';
import { fromBase64, fromHex, toBase64 } from '../../src/util/bytes.js';
import { expectCode } from '../helpers/errors.js';
import { c2sp, formatsSubtree, torchwood } from './vectors.js';

const seed = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const at = (t: number) => (): number => t;
const text = formatCheckpoint({ origin: 'example.com/log', size: 13, root: new Uint8Array(32).fill(3), extensions: [] });
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('cosignature/v1 (Ed25519, type 0x04)', () => {
  it('frames the C2SP example: key ID, timestamp 1679315147 and the signed message', () => {
    const v = c2sp().cosignature;
    const n = parseNote(v.note);
    const w = n.signatures.find((s) => s.name === 'witness.example.com/w1')!;
    expect(w.keyId).toBe(0x8d66cf3f);
    expect(w.signature).toHaveLength(8 + 64);
    // The example publishes no key; any cosigner reads the timestamp the same way.
    const reader = ed25519CosignatureVerifier('witness.example.com/w1', new Uint8Array(32));
    expect(reader.timestamp!(w.signature)).toBe(1679315147);
    expect(new TextDecoder().decode(cosignatureV1Message(1679315147, n.textBytes))).toBe(v.signedMessageExample);
  });

  it('signs and verifies, with a key ID of type 0x04 distinct from the type 0x01 note key', () => {
    const s = ed25519CosignatureSigner('witness.example/w', seed(1), at(1_800_000_000));
    const note = signNote(text, [s]);
    const opened = openNote(note, [s.verifier]);
    expect(opened.verified[0]!.timestamp).toBe(1_800_000_000);
    expect(parseVkey(vkeyOf(s.verifier)).type).toBe(SIG_COSIGNATURE_ED25519);
    const noteKey = ed25519NoteSigner('witness.example/w', seed(1)).verifier;
    expect(noteKey.keyId).not.toBe(s.verifier.keyId);
    expectCode(() => openNote(note, [noteKey]), 'ERR_NOTE_UNVERIFIED');
    // The signature is over the timestamp too: changing it breaks the signature.
    const sig = opened.verified[0]!.signature.slice();
    sig[7]! ^= 1;
    expect(s.verifier.verify(enc(text), sig)).toBe(false);
  });

  it('covers extension lines and refuses texts that are not checkpoints', () => {
    const s = ed25519CosignatureSigner('witness.example/w', seed(1), at(5));
    const ext = `${text}extension\n`;
    const sig = s.sign(enc(ext));
    expect(s.verifier.verify(enc(ext), sig)).toBe(true);
    expect(s.verifier.verify(enc(`${text}extensioN\n`), sig)).toBe(false);
    expectCode(() => s.sign(enc('not a checkpoint\n')), 'ERR_CHECKPOINT_MALFORMED');
    expect(s.verifier.verify(enc('not a checkpoint\n'), sig)).toBe(false);
  });
});

describe('subtree/v1 (ML-DSA-44, type 0x06)', () => {
  it('verifies the torchwood log vector, and the seed gives the published vkey', () => {
    const v = torchwood();
    const k = parseVkey(v.vkey);
    expect(k).toMatchObject({ name: v.origin, keyId: 0xb5df45c5, type: SIG_COSIGNATURE_MLDSA44 });
    expect(vkeyOf(signerFromSeed(v.origin, SIG_COSIGNATURE_MLDSA44, fromHex(v.seed)).verifier)).toBe(v.vkey);
    const opened = openNote(v.note, [verifierFromVkey(v.vkey)]);
    expect(opened.verified[0]!.timestamp).toBe(0);
    const c = parseCheckpoint(opened.text);
    expect(toBase64(c.root)).toBe(toBase64(leafHash(enc(v.leafData))));
    expectCode(() => openNote(v.note.replace('\n1\n', '\n2\n'), [verifierFromVkey(v.vkey)]), 'ERR_NOTE_BAD_SIGNATURE');
  });

  it('verifies the transparency-dev/formats subtree [8, 13) vector and nothing else', () => {
    const v = formatsSubtree();
    const w = verifierFromVkey(v.vkey);
    const hash = fromBase64(v.hash);
    const sub = { origin: v.origin, start: v.start, end: v.end, hash };
    expect(verifySubtreeLine(w, sub, v.signatureLine)).toBe(true);
    expect(verifySubtreeLine(w, { ...sub, start: 0 }, v.signatureLine)).toBe(false);
    expect(verifySubtreeLine(w, { ...sub, end: 12 }, v.signatureLine)).toBe(false);
    expect(verifySubtreeLine(w, { ...sub, origin: 'example.com/log2' }, v.signatureLine)).toBe(false);
    expect(verifySubtreeLine(w, { ...sub, hash: new Uint8Array(32) }, v.signatureLine)).toBe(false);
    expect(verifySubtreeLine(w, sub, v.signatureLine.replace('witness.example/w1', 'witness.example/w2'))).toBe(false);
    expect(verifySubtreeLine(w, sub, 'garbage')).toBe(false);
  });

  it('signs checkpoints and subtrees, and refuses extension lines both ways', () => {
    const s = mldsa44CosignatureSigner('witness.example/pq', seed(2), at(1_800_000_001));
    const opened = openNote(signNote(text, [s]), [s.verifier]);
    expect(opened.verified[0]!.timestamp).toBe(1_800_000_001);
    expect(opened.verified[0]!.signature).toHaveLength(8 + 2420);
    const ext = `${text}extension\n`;
    expectCode(() => s.sign(enc(ext)), 'ERR_COSIGNATURE_INVALID');
    // A valid signature over the three lines does not carry over to a text with extensions.
    expect(s.verifier.verify(enc(ext), opened.verified[0]!.signature)).toBe(false);
    const hash = new Uint8Array(32).fill(4);
    const line = s.signSubtree('example.com/log', 8, 13, hash);
    expect(verifySubtreeLine(s.verifier, { origin: 'example.com/log', start: 8, end: 13, hash }, line)).toBe(true);
    // A checkpoint cosignature is a cosignature of the subtree [0, size).
    const sigLine = opened.verified[0]!.line;
    expect(verifySubtreeLine(s.verifier, { origin: 'example.com/log', start: 0, end: 13, hash: new Uint8Array(32).fill(3) }, sigLine)).toBe(true);
  });

  it('builds the cosigned_message of the spec and validates its fields', () => {
    const m = subtreeV1Message({ cosigner: 'c', timestamp: 1, origin: 'o', start: 0, end: 2, hash: new Uint8Array(32) });
    expect(Array.from(m.subarray(0, 12))).toEqual(Array.from(enc('subtree/v1\n\0')));
    expect(m).toHaveLength(12 + 1 + 1 + 8 + 1 + 1 + 8 + 8 + 32);
    const base = { cosigner: 'c', timestamp: 0, origin: 'o', start: 8, end: 13, hash: new Uint8Array(32) };
    expectCode(() => subtreeV1Message({ ...base, timestamp: 1 }), 'ERR_COSIGNATURE_INVALID');
    expectCode(() => subtreeV1Message({ ...base, start: 9 }), 'ERR_COSIGNATURE_INVALID');
    expectCode(() => subtreeV1Message({ ...base, cosigner: 'x'.repeat(256) }), 'ERR_COSIGNATURE_INVALID');
    expectCode(() => subtreeV1Message({ ...base, origin: '' }), 'ERR_COSIGNATURE_INVALID');
    expectCode(() => subtreeV1Message({ ...base, start: 8, end: 8 }), 'ERR_COSIGNATURE_INVALID'); // empty subtree, wrong hash
    const table: [number, number, boolean][] = [[0, 0, true], [5, 5, true], [0, 13, true], [8, 13, true], [8, 16, true], [4, 8, true], [1, 3, false], [2, 5, false], [8, 17, false], [3, 2, false]];
    for (const [a, b, want] of table) expect(isValidSubtree(a, b), `[${a}, ${b})`).toBe(want);
  });
});
