import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSign1, encodeSign1 } from '../../src/cose/sign1.js';
import { importCoseKey, importCoseKeySet, type PublicKey } from '../../src/keys/index.js';
import { receiptsOf } from '../../src/statements/index.js';
import { verifyTransparentStatement } from '../../src/verify/index.js';
import { VECTORS_DIR } from '../../test-vectors/generate.js';

/** test-vectors/timestamped/: a Transparent Statement whose receipts carry RFC 3161 tokens, and its TSA root. */

const read = (p: string): Uint8Array => new Uint8Array(readFileSync(join(VECTORS_DIR, p)));
const pub = (k: ReturnType<typeof importCoseKey>): PublicKey => ('publicKey' in k ? k.publicKey : k);
const statement = read('timestamped/statement.transparent.cose');
const serviceKeys = importCoseKeySet(read('keys/service.keyset.cbor')).map(pub);
const issuerKeys = [pub(importCoseKey(read('keys/issuer-ES256.pub.cbor')))];
const root = readFileSync(join(VECTORS_DIR, 'timestamped/tsa-root.pem'), 'utf8');
const otherRoot = readFileSync(join(VECTORS_DIR, 'timestamped/other-tsa-root.pem'), 'utf8');

describe('test-vectors/timestamped', () => {
  it('both receipts carry a token under label 270', () => {
    const receipts = receiptsOf(statement);
    expect(receipts).toHaveLength(2);
    for (const r of receipts) expect(decodeSign1(r).unprotected.get(270)).toBeInstanceOf(Uint8Array);
  });

  it('verifies with the committed service keys and TSA root: every receipt has a checked genTime', async () => {
    const r = await verifyTransparentStatement({ statement, serviceKeys, issuerKeys, tsaRoots: [root], requireAlgs: [-7, -49] });
    expect(r.failure).toBeUndefined();
    expect(r.valid).toBe(true);
    expect(r.checks.filter((c) => /^receipt\[\d\]\.timestamp\[0\]$/.test(c.name) && c.ok && /^genTime /.test(c.detail))).toHaveLength(2);
  });

  it('fails with another TSA root (ERR_TSA_UNTRUSTED_ROOT) and with a flipped token byte', async () => {
    expect((await verifyTransparentStatement({ statement, serviceKeys, tsaRoots: [otherRoot] })).failure?.code).toBe('ERR_TSA_UNTRUSTED_ROOT');
    const s = decodeSign1(statement);
    const receipts = receiptsOf(s).map((r) => {
      const d = decodeSign1(r);
      const token = new Uint8Array(d.unprotected.get(270) as Uint8Array);
      token[token.length - 5]! ^= 0x01;
      d.unprotected.set(270, token);
      return d;
    });
    s.unprotected.set(394, receipts.map((d) => encodeSign1(d)));
    const tampered = await verifyTransparentStatement({ statement: encodeSign1(s), serviceKeys, tsaRoots: [root] });
    expect(tampered.valid).toBe(false);
    expect(tampered.failure?.code).toMatch(/^ERR_TSA_/);
  });
});
