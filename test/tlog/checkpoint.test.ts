import { describe, expect, it } from 'vitest';
import { emptyRoot } from '../../src/merkle/index.js';
import {
  formatCheckpoint,
  generateNoteKey,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  SIG_COSIGNATURE_ED25519,
  SIG_COSIGNATURE_MLDSA44,
  SIG_ED25519,
  signerFromSkey,
  signNote,
  type NoteSigner,
} from '../../src/tlog/index.js';
import { toBase64 } from '../../src/util/bytes.js';
import { codeOf, expectCode } from '../helpers/errors.js';
import { c2sp } from './vectors.js';

const ROOT = toBase64(new Uint8Array(32).fill(9));

describe('tlog-checkpoint text', () => {
  it('parses the C2SP example and writes it back byte for byte', () => {
    const n = parseNote(c2sp().checkpoint.note);
    const c = parseCheckpoint(n.text);
    expect(c.origin).toBe('example.com/behind-the-sofa');
    expect(c.size).toBe(20852163);
    expect(toBase64(c.root)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(c.extensions).toEqual([]);
    expect(formatCheckpoint(c)).toBe(n.text);
    expect(n.signatures[0]!.name).toBe(c.origin); // "The log's key name in its signature line SHOULD match the origin line."
  });

  it('keeps extension lines and the empty tree', () => {
    const c = parseCheckpoint(`o\n3\n${ROOT}\next one\next two\n`);
    expect(c.extensions).toEqual(['ext one', 'ext two']);
    expect(formatCheckpoint(c)).toBe(`o\n3\n${ROOT}\next one\next two\n`);
    expect(parseCheckpoint(`o\n0\n${toBase64(emptyRoot())}\n`).size).toBe(0);
  });

  it('refuses malformed texts with ERR_CHECKPOINT_MALFORMED', () => {
    const bad = [
      `o\n3\n${ROOT}`, // no final newline
      `o\n3\n`,
      `\n3\n${ROOT}\n`,
      `o\n03\n${ROOT}\n`,
      `o\n-3\n${ROOT}\n`,
      `o\n+3\n${ROOT}\n`,
      `o\n3 \n${ROOT}\n`,
      `o\n9007199254740992\n${ROOT}\n`,
      `o\n3\n${toBase64(new Uint8Array(31))}\n`,
      `o\n3\n${ROOT.replace('=', '')}\n`,
      `o\n3\n${ROOT.slice(0, -2)}R=\n`, // non-canonical final character
      `o\n3\n${ROOT}\n\n`,
      `o\n3\n${ROOT}\nok\n\nafter\n`,
      `o\x7f\n3\n${ROOT}\n`,
    ];
    for (const t of bad) expect(codeOf(() => parseCheckpoint(t)), JSON.stringify(t)).toBe('ERR_CHECKPOINT_MALFORMED');
    expectCode(() => formatCheckpoint({ origin: 'a\nb', size: 1, root: new Uint8Array(32), extensions: [] }), 'ERR_CHECKPOINT_MALFORMED');
    expectCode(() => formatCheckpoint({ origin: 'o', size: -1, root: new Uint8Array(32), extensions: [] }), 'ERR_CHECKPOINT_MALFORMED');
    expectCode(() => formatCheckpoint({ origin: 'o', size: 1, root: new Uint8Array(31), extensions: [] }), 'ERR_CHECKPOINT_MALFORMED');
  });
});

describe('openCheckpoint: log signature, origin and witness quorum', () => {
  const origin = 'log.example/atlog';
  const clock = (): number => 1_790_000_000;
  const key = (name: string, type: number): NoteSigner => signerFromSkey(generateNoteKey(name, type).skey, clock);
  const log = key(origin, SIG_ED25519);
  const logPq = key(origin, SIG_COSIGNATURE_MLDSA44);
  const w1 = key('w1.example/witness', SIG_COSIGNATURE_ED25519);
  const w1pq = key('w1.example/witness', SIG_COSIGNATURE_MLDSA44);
  const w2 = key('w2.example/witness', SIG_COSIGNATURE_ED25519);
  const w3 = key('w3.example/witness', SIG_COSIGNATURE_ED25519);
  const text = formatCheckpoint({ origin, size: 5, root: new Uint8Array(32).fill(1), extensions: [] });
  const witnessKeys = [w1, w1pq, w2, w3].map((s) => s.verifier);

  it('accepts the log signature (Ed25519 and the ML-DSA-44 cosignature form) and counts witnesses by name', () => {
    const note = signNote(text, [log, logPq, w1, w1pq, w2]);
    const r = openCheckpoint(note, { origin, logKeys: [log.verifier, logPq.verifier], witnessKeys, quorum: 2 });
    expect(r.checkpoint.size).toBe(5);
    expect(r.logSignatures.map((s) => s.verifier.type)).toEqual([SIG_ED25519, SIG_COSIGNATURE_MLDSA44]);
    expect(r.witnesses).toEqual(['w1.example/witness', 'w2.example/witness']);
    expect(r.cosignatures.every((s) => s.timestamp === clock())).toBe(true);
  });

  it('refuses a missing quorum, a missing log signature and another origin', () => {
    const note = signNote(text, [log, w1, w1pq]);
    expect(codeOf(() => openCheckpoint(note, { origin, logKeys: [log.verifier], witnessKeys, quorum: 2 }))).toBe('ERR_CHECKPOINT_QUORUM');
    expect(openCheckpoint(note, { origin, logKeys: [log.verifier], witnessKeys, quorum: 1 }).witnesses).toEqual(['w1.example/witness']);
    expectCode(() => openCheckpoint(signNote(text, [w1, w2]), { origin, logKeys: [log.verifier], witnessKeys }), 'ERR_CHECKPOINT_UNSIGNED');
    expectCode(() => openCheckpoint(signNote(text, [w1]), { origin, logKeys: [log.verifier] }), 'ERR_CHECKPOINT_UNSIGNED');
    expectCode(() => openCheckpoint(note, { origin: 'other.example/log', logKeys: [log.verifier] }), 'ERR_CHECKPOINT_ORIGIN_MISMATCH');
    expectCode(() => openCheckpoint(note, { origin, logKeys: [log.verifier], witnessKeys: [w1.verifier], quorum: 2 }), 'ERR_INVALID_ARGUMENT');
  });

  it('rejects the whole checkpoint when one trusted witness cosignature is bad', () => {
    const note = signNote(text, [log, w1, w2]);
    const w2line = parseNote(note).signatures.find((s) => s.name === 'w2.example/witness')!.line;
    const b64 = w2line.split(' ')[2]!;
    const forged = note.replace(b64, b64.slice(0, 20) + (b64[20] === 'A' ? 'B' : 'A') + b64.slice(21));
    expectCode(() => openCheckpoint(forged, { origin, logKeys: [log.verifier], witnessKeys, quorum: 1 }), 'ERR_NOTE_BAD_SIGNATURE');
  });
});
