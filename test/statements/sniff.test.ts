import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aatRecordIn } from '../../src/aat/detect.js';
import { cborEncode, Tag } from '../../src/cose/cbor.js';
import { exportCoseKey, exportCoseKeySet, exportSpkiPem, generateKey } from '../../src/keys/index.js';
import { describeNonStatement } from '../../src/statements/index.js';
import { toBase64 } from '../../src/util/bytes.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/** describeNonStatement: what a file is when it is not a Signed Statement (atlog register, Malformed request). */

const vector = (p: string): Uint8Array => new Uint8Array(readFileSync(join(REPO_ROOT, 'test-vectors', p)));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const statement = vector('receipts/statement.cose');
const record = '{"action_detail":{"event":"session_start"},"action_type":"lifecycle","agent_id":"urn:agent:x","session_id":"5a1f2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"}';
const key = generateKey('ESP256');

describe('describeNonStatement', () => {
  it.each<[string, Uint8Array, RegExp | undefined]>([
    ['a Signed Statement', statement, undefined],
    ['a Transparent Statement', vector('statements/ES256.transparent.cose'), undefined],
    ['empty', new Uint8Array(0), /empty/],
    ['white space', text(' \n'), /white space/],
    ['JSON', text('{"note":1}'), /JSON text: sign it first with atlog sign$/],
    ['an AAT record', text(record), /AAT record in JSON: sign it first with atlog sign --content-type application\/aat\+json/],
    ['a PEM key', text(exportSpkiPem(key.publicKey)), /PEM file \(PUBLIC KEY\)/],
    ['plain text', text('hello'), /text, not CBOR/],
    ['a statement in base64', text(toBase64(statement)), /base64 text: decode it first/],
    ['a receipt', vector('receipts/receipt-valid-ES256.cose'), /receipt, not a Signed Statement/],
    ['a COSE_Key', exportCoseKey(key), /COSE_Key \(a key file\)/],
    ['a COSE_KeySet', exportCoseKeySet([key]), /COSE_KeySet/],
    ['a bundle', vector('sessions/session-valid.bundle'), /session bundle/],
    ['another CBOR tag', cborEncode(new Tag([1], 98)), /CBOR tag 98/],
    ['an untagged COSE_Sign1', cborEncode([new Uint8Array(0), new Map(), new Uint8Array(1), new Uint8Array(1)]), /untagged COSE_Sign1/],
    ['tag 18 around garbage', cborEncode(new Tag('x', 18)), /does not decode/],
    ['other CBOR', cborEncode(42), /CBOR, but not a COSE_Sign1/],
    ['binary', Uint8Array.of(0xff, 0xfe, 0x00, 0x01), /neither CBOR nor text/],
  ])('%s', (_name, bytes, want) => {
    const got = describeNonStatement(bytes);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });
});

describe('aatRecordIn', () => {
  it('finds records, and only records', () => {
    expect(aatRecordIn(text(`  ${record}`))?.agent_id).toBe('urn:agent:x');
    expect(aatRecordIn(text('{"agent_id":"a","session_id":"s"}'))).toBeUndefined(); // no action_type
    expect(aatRecordIn(text('[{"agent_id":"a","session_id":"s","action_type":"t"}]'))).toBeUndefined();
    expect(aatRecordIn(text('{"agent_id": broken'))).toBeUndefined();
    expect(aatRecordIn(Uint8Array.of(0x7b, 0xff, 0xfe))).toBeUndefined();
  });
});
