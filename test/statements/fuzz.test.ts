import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSign1, verifySign1 } from '../../src/cose/sign1.js';
import { isAtlogError } from '../../src/errors.js';
import { generateKey } from '../../src/keys/index.js';
import { AAT_CONTENT_TYPE, buildStatement, parseStatement, receiptsOf, registrationEntry } from '../../src/statements/index.js';

/**
 * Mutation fuzzing: whatever happens to the bytes of a valid statement, decoding, parsing and verifying either
 * succeed or fail with an AtlogError (never a TypeError, RangeError or a crash inside a library).
 */

const key = generateKey('ES256');
const pq = generateKey('ML-DSA-44');
const payload = new TextEncoder().encode('{"record_id":"1","outcome":"success"}');
const seeds = [
  buildStatement({ key, iss: 'urn:agent:a', sub: 'urn:uuid:1', payload, contentType: AAT_CONTENT_TYPE, iat: 1_700_000_000 }),
  buildStatement({ key, iss: 'urn:agent:a', sub: 'urn:uuid:1', payload, hashEnvelope: { preimageContentType: AAT_CONTENT_TYPE, location: 'https://x' } }),
  buildStatement({ key: pq, iss: 'urn:agent:b', sub: 'urn:uuid:2', payload, contentType: AAT_CONTENT_TYPE }),
];

type Mutation = { kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate'; at: number; value: number };
const mutation = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('flip', 'set', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
});

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Array.from(bytes);
  for (const m of ms) {
    const i = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip') b[i] = (b[i] ?? 0) ^ (1 << (m.value % 8));
    else if (m.kind === 'set') b[i] = m.value;
    else if (m.kind === 'insert') b.splice(i, 0, m.value);
    else if (m.kind === 'delete') b.splice(i, 1);
    else b = b.slice(0, i);
  }
  return Uint8Array.from(b);
}

function onlyAtlogErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!isAtlogError(e)) throw e;
  }
}

describe('mutated statements', () => {
  it('never throw anything but AtlogError, and never verify once the signed bytes changed', () => {
    fc.assert(
      fc.property(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, ms) => {
        const seed = seeds[which]!;
        const signer = which === 2 ? pq : key;
        const bytes = mutate(seed, ms);
        onlyAtlogErrors(() => parseStatement(bytes));
        onlyAtlogErrors(() => registrationEntry(bytes));
        onlyAtlogErrors(() => receiptsOf(bytes));
        onlyAtlogErrors(() => {
          const ok = verifySign1(bytes, signer.publicKey);
          if (ok) {
            // A mutation may only keep verifying if it left protected, payload and signature intact.
            const a = decodeSign1(bytes);
            const b = decodeSign1(seed);
            expect([a.protectedBytes, a.payload, a.signature].map((x) => Buffer.from(x!).toString('hex'))).toEqual(
              [b.protectedBytes, b.payload, b.signature].map((x) => Buffer.from(x!).toString('hex')),
            );
          }
        });
      }),
      { numRuns: 400 },
    );
  });
});
