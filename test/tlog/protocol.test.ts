import { describe, expect, it } from 'vitest';
import { leafHash } from '../../src/merkle/index.js';
import {
  bundleMatchesTile,
  encodeEntryBundle,
  formatAddCheckpointRequest,
  formatWitnessSize,
  originHash,
  parseAddCheckpointRequest,
  parseCheckpoint,
  parseEntryBundle,
  parseNote,
  parseSignatureLines,
  parseWitnessSize,
} from '../../src/tlog/index.js';
import { concatBytes, toBase64 } from '../../src/util/bytes.js';
import { codeOf, expectCode } from '../helpers/errors.js';
import { c2sp } from './vectors.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('tlog-witness wire format', () => {
  it('parses the C2SP add-checkpoint example and writes it back byte for byte', () => {
    const body = c2sp().witness.addCheckpointRequest;
    const r = parseAddCheckpointRequest(enc(body));
    expect(r.oldSize).toBe(20852014);
    expect(r.proof.map(toBase64)).toEqual([
      'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=',
      'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=',
      '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=',
      '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=',
    ]);
    const note = parseNote(r.note);
    expect(parseCheckpoint(note.text).size).toBe(20852163);
    expect(note.signatures).toHaveLength(2);
    expect(dec(formatAddCheckpointRequest({ oldSize: r.oldSize, proof: r.proof, note: r.note }))).toBe(body);
  });

  it('parses the C2SP example answer as signature lines', () => {
    const lines = parseSignatureLines(c2sp().witness.addCheckpointResponse);
    expect(lines.map((l) => l.name)).toEqual(['witness.example/w1', 'witness.example/w1', 'witness.example/w2']);
  });

  it('reads an empty proof and refuses malformed requests', () => {
    const note = '\n' + 'o\n1\n' + toBase64(new Uint8Array(32)) + '\n\n\u2014 o AAAAAAE=\n';
    expect(parseAddCheckpointRequest(enc(`old 0\n${note}`)).proof).toEqual([]);
    const h = toBase64(new Uint8Array(32).fill(1));
    const bad = [
      `old 00\n${note}`,
      `old -1\n${note}`,
      `old 1\n${note.replace('\n', '')}`.replace(/\n\n/g, '\n'), // no empty line at all
      `Old 1\n${note}`,
      `old 1 \n${note}`,
      `old 1\n${h.replace('=', '')}\n${note}`,
      `old 1\n${toBase64(new Uint8Array(31))}\n${note}`,
      `old 1\n${`${h}\n`.repeat(64)}${note}`,
    ];
    for (const b of bad) expect(codeOf(() => parseAddCheckpointRequest(enc(b))), JSON.stringify(b.slice(0, 30))).toBe('ERR_WITNESS_REQUEST_MALFORMED');
    expect(parseAddCheckpointRequest(enc(`old 1\n${`${h}\n`.repeat(63)}${note}`)).proof).toHaveLength(63);
    expectCode(() => formatAddCheckpointRequest({ oldSize: 1, proof: Array.from({ length: 64 }, () => new Uint8Array(32)), note }), 'ERR_WITNESS_REQUEST_MALFORMED');
  });

  it('writes and reads the 409 size body, and hashes origins for the monitoring path', () => {
    expect(formatWitnessSize(42)).toBe('42\n');
    expect(parseWitnessSize('42\n')).toBe(42);
    for (const b of ['42', '042\n', '\n', '4 2\n']) expect(codeOf(() => parseWitnessSize(b)), b).toBe('ERR_WITNESS_ANSWER_MALFORMED');
    expect(originHash('example.com/behind-the-sofa')).toMatch(/^[0-9a-f]{64}$/);
    expect(originHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('entry bundles', () => {
  const entries = Array.from({ length: 5 }, (_, i) => new Uint8Array(32).fill(i));

  it('round-trips uint16 length-prefixed entries and matches the level 0 tile', () => {
    const b = encodeEntryBundle(entries);
    expect(b).toHaveLength(5 * 34);
    expect(Array.from(b.subarray(0, 2))).toEqual([0, 32]);
    expect(parseEntryBundle(b, 5)).toEqual(entries);
    const tile = concatBytes(...entries.map((e) => leafHash(e)));
    expect(bundleMatchesTile(entries, tile)).toBe(true);
    expect(bundleMatchesTile(entries.slice().reverse(), tile)).toBe(false);
    expect(bundleMatchesTile(entries.slice(1), tile)).toBe(false);
    expect(parseEntryBundle(encodeEntryBundle([new Uint8Array(0), new Uint8Array(65535)]))).toHaveLength(2);
  });

  it('refuses truncated bundles, trailing bytes, wrong counts and oversized entries', () => {
    const b = encodeEntryBundle(entries);
    for (const x of [b.subarray(0, b.length - 1), concatBytes(b, Uint8Array.of(0)), b.subarray(0, 1)]) {
      expect(codeOf(() => parseEntryBundle(x))).toBe('ERR_ENTRY_BUNDLE_MALFORMED');
    }
    expectCode(() => parseEntryBundle(b, 4), 'ERR_ENTRY_BUNDLE_MALFORMED');
    expectCode(() => parseEntryBundle(new Uint8Array(0), 1), 'ERR_ENTRY_BUNDLE_MALFORMED');
    expectCode(() => parseEntryBundle(concatBytes(encodeEntryBundle(Array.from({ length: 256 }, () => new Uint8Array(0))), Uint8Array.of(0, 0))), 'ERR_ENTRY_BUNDLE_MALFORMED');
    expectCode(() => encodeEntryBundle([new Uint8Array(65536)]), 'ERR_ENTRY_BUNDLE_MALFORMED');
    expectCode(() => encodeEntryBundle([]), 'ERR_ENTRY_BUNDLE_MALFORMED');
  });
});
