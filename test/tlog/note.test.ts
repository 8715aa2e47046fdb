import { describe, expect, it } from 'vitest';
import {
  formatNote,
  generateNoteKey,
  isValidKeyName,
  openNote,
  parseNote,
  parseVkey,
  SIG_ED25519,
  signerFromSkey,
  signNote,
  verifierFromVkey,
  vkeyOf,
  type NoteVerifier,
} from '../../src/tlog/index.js';
import { codeOf, expectCode } from '../helpers/errors.js';
import { c2sp, goNote } from './vectors.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('signed-note: the C2SP example (STANDARDS.md vector)', () => {
  const v = c2sp().signedNote;

  it('parses the vkey and verifies the example note', () => {
    const k = parseVkey(v.vkey);
    expect(k).toMatchObject({ name: 'example.com/foo', keyId: 0x530d903a, type: SIG_ED25519 });
    const opened = openNote(v.note, [verifierFromVkey(v.vkey)]);
    expect(opened.text).toBe(v.text);
    expect(opened.verified.map((s) => s.name)).toEqual(['example.com/foo']);
    expect(opened.unknown).toEqual([]);
    expect(vkeyOf(opened.verified[0]!.verifier)).toBe(v.vkey);
  });

  it('rejects the note once its text or signature changes', () => {
    const vk = [verifierFromVkey(v.vkey)];
    expectCode(() => openNote(v.note.replace('example message', 'example massage'), vk), 'ERR_NOTE_BAD_SIGNATURE');
    const sigAt = v.note.indexOf('Uw2Q') + 10;
    const flipped = v.note.slice(0, sigAt) + (v.note[sigAt] === 'A' ? 'B' : 'A') + v.note.slice(sigAt + 1);
    expectCode(() => openNote(flipped, vk), 'ERR_NOTE_BAD_SIGNATURE');
  });

  it('parses the spec\'s first example: a text with an empty line, one signature by an unknown key', () => {
    const n = parseNote(c2sp().quasimodoNote.note);
    expect(n.text.split('\n')).toHaveLength(5);
    expect(n.text).toContain('\n\ned è subito sera.\n');
    expect(new TextDecoder().decode(n.textBytes)).toBe(n.text);
    expect(n.signatures.map((s) => s.name)).toEqual(['quasimodo.example/salvatore']);
    expectCode(() => openNote(c2sp().quasimodoNote.note, [verifierFromVkey(v.vkey)]), 'ERR_NOTE_UNVERIFIED');
  });
});

describe('signed-note: golang.org/x/mod/sumdb/note vectors', () => {
  const g = goNote();
  const peter = verifierFromVkey(g.peterVkey);
  const enoch = verifierFromVkey(g.enochVkey);

  it('accepts the vkeys and refuses every substring and every one-byte change of one (TestNewVerifier)', () => {
    expect(parseVkey(g.peterVkey).keyId).toBe(0xc74f20a3);
    const accepted: string[] = [];
    for (let i = 0; i <= g.peterVkey.length; i++) {
      for (let j = i + 1; j <= g.peterVkey.length; j++) {
        if (i === 0 && j === g.peterVkey.length) continue;
        if (codeOf(() => parseVkey(g.peterVkey.slice(i, j))) === undefined) accepted.push(g.peterVkey.slice(i, j));
      }
    }
    for (let i = 0; i < g.peterVkey.length; i++) {
      const s = g.peterVkey.slice(0, i) + String.fromCharCode(g.peterVkey.charCodeAt(i) + 1) + g.peterVkey.slice(i + 1);
      if (codeOf(() => parseVkey(s)) === undefined) accepted.push(s);
    }
    expect(accepted).toEqual([]);
    expectCode(() => parseVkey(g.badVkeys[0]!), 'ERR_KEY_NOTE_MALFORMED'); // 33-byte key, adjusted key ID
    expectCode(() => parseVkey(g.badVkeys[1]!), 'ERR_KEY_NOTE_UNSUPPORTED'); // type 0x65, adjusted key ID
  });

  it('signs exactly as Go does (TestSign) and refuses mangled skeys (TestNewSigner)', () => {
    const s = signerFromSkey(g.peterSkey);
    expect(s.keyId).toBe(0xc74f20a3);
    expect(signNote(g.text, [s])).toBe(g.signed);
    // Replacing an existing signature of the same key, as Go's Sign does.
    const old = parseNote(g.signed).signatures;
    expect(signNote(g.text, [s], old)).toBe(g.signed);
    const accepted: string[] = [];
    for (let i = 0; i < g.peterSkey.length; i++) {
      const m = g.peterSkey.slice(0, i) + String.fromCharCode(g.peterSkey.charCodeAt(i) + 1) + g.peterSkey.slice(i + 1);
      if (codeOf(() => signerFromSkey(m)) === undefined) accepted.push(m);
    }
    for (let j = 1; j < g.peterSkey.length; j++) if (codeOf(() => signerFromSkey(g.peterSkey.slice(0, j))) === undefined) accepted.push(g.peterSkey.slice(0, j));
    expect(accepted).toEqual([]);
    expectCode(() => signNote('abc', [s]), 'ERR_NOTE_MALFORMED');
  });

  it('verifies known keys and ignores unknown ones (TestOpen)', () => {
    const both = `${g.text}\n${g.peterSig}${g.enochSig}`;
    const one = openNote(both, [peter]);
    expect(one.text).toBe(g.text);
    expect(one.verified.map((s) => [s.name, s.keyId])).toEqual([['PeterNeumann', 0xc74f20a3]]);
    expect(one.unknown.map((s) => [s.name, s.keyId])).toEqual([['EnochRoot', 0xaf0cfe78]]);
    const two = openNote(both, [peter, enoch]);
    expect(two.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(two.unknown).toEqual([]);
    expectCode(() => openNote(both, []), 'ERR_NOTE_UNVERIFIED');
    // A duplicated verifier is one key, not an ambiguity.
    expect(openNote(`${g.text}\n${g.enochSig}`, [enoch, peter, enoch]).verified).toHaveLength(1);
  });

  it('rejects a note whose known key signature fails, and keeps repeated lines once', () => {
    const corrupt = g.peterSig.slice(0, 60) + 'ABCD' + g.peterSig.slice(60);
    expectCode(() => openNote(`${g.text}\n${corrupt}`, [peter]), 'ERR_NOTE_BAD_SIGNATURE');
    const enochBad = g.enochSig.slice(0, 60) + 'ABCD' + g.enochSig.slice(60);
    const n = openNote(`${g.text}\n${g.peterSig}${g.peterSig}${g.enochSig}${g.enochSig}${enochBad}`, [peter]);
    expect(n.verified).toHaveLength(1);
    expect(n.unknown.map((s) => s.line)).toEqual([g.enochSig.slice(0, -1), enochBad.slice(0, -1)]);
  });

  it('refuses malformed notes (TestOpen badMsgs) with ERR_NOTE_MALFORMED', () => {
    const bad: (string | Uint8Array)[] = [
      g.text,
      `${g.text}\n`,
      `${g.text}\n${g.peterSig.slice(0, -1)}`,
      `\x01${g.text}\n${g.peterSig}`,
      Uint8Array.of(0xff, ...enc(`${g.text}\n${g.peterSig}`)),
      `${g.text}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${g.text}\n${g.peterSig}Unexpected line.\n`,
      `${g.text}\n${g.peterSig.repeat(101)}`,
    ];
    for (const m of bad) expect(codeOf(() => openNote(m, [peter])), typeof m === 'string' ? m.slice(-40) : 'bytes').toBe('ERR_NOTE_MALFORMED');
  });
});

describe('signed-note: strict parsing', () => {
  const { skey, vkey } = generateNoteKey('example.com/strict', SIG_ED25519);
  const signer = signerFromSkey(skey);
  const note = signNote('hello\n', [signer]);
  const line = parseNote(note).signatures[0]!.line;

  it('generates keys whose vkey is the signer\'s', () => {
    expect(vkeyOf(signer.verifier)).toBe(vkey);
    expect(openNote(note, [verifierFromVkey(vkey)]).verified).toHaveLength(1);
  });

  it('accepts 100 signature lines (the spec requires at least 16) and refuses 101', () => {
    expect(openNote(`hello\n\n${`${line}\n`.repeat(100)}`, [signer.verifier]).verified).toHaveLength(1);
    expectCode(() => parseNote(`hello\n\n${`${line}\n`.repeat(101)}`), 'ERR_NOTE_MALFORMED');
  });

  it('refuses non-canonical base64, short signatures, tabs, CR, lone surrogates and oversized notes', () => {
    const b64 = line.split(' ')[2]!;
    const cases = [
      note.replace(b64, b64.replace(/=$/, '')), // padding dropped
      note.replace(b64, b64.slice(0, -2) + B64[B64.indexOf(b64.at(-2)!) ^ 1] + '='), // a stray bit in the last char
      'hello\n\n\u2014 example.com/strict AAAAAA==\n', // 4 bytes: a key ID and no signature
      note.replace('hello', 'hel\tlo'),
      note.replace('hello\n', 'hello\r\n'),
      note.replace('\u2014 ', '- '),
      note.replace(' ', '  '),
      `hello \ud800\n\n${line}\n`,
      `${'x'.repeat(1 << 20)}\n\n${line}\n`,
    ];
    for (const c of cases) expect(codeOf(() => parseNote(c)), JSON.stringify(c.slice(0, 60))).toBe('ERR_NOTE_MALFORMED');
  });

  it('ignores lines that share only the name or only the key ID with a known key', () => {
    const other = generateNoteKey('example.com/strict', SIG_ED25519); // same name, another ID
    const otherLine = parseNote(signNote('hello\n', [signerFromSkey(other.skey)])).signatures[0]!.line;
    const sameIdOtherName = line.replace('example.com/strict', 'example.com/impostor');
    const n = openNote(formatNote('hello\n', [line, otherLine, sameIdOtherName]), [signer.verifier]);
    expect(n.verified).toHaveLength(1);
    expect(n.unknown).toHaveLength(2);
  });

  it('refuses two different keys with the same name and key ID', () => {
    const v = signer.verifier;
    const clash: NoteVerifier = { ...v, publicKey: new Uint8Array(32).fill(7) };
    expectCode(() => openNote(note, [v, clash]), 'ERR_NOTE_AMBIGUOUS_KEY');
  });

  it('checks key names as signed-note does', () => {
    for (const ok of ['example.com/foo', 'oid/1.3.6.1.4.1.44363.47.1', 'ünïcode', 'x'.repeat(255)]) expect(isValidKeyName(ok), ok).toBe(true);
    for (const no of ['', 'a b', 'a+b', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a\tb', 'x'.repeat(256), 'é'.repeat(128)]) expect(isValidKeyName(no), no).toBe(false);
  });
});
