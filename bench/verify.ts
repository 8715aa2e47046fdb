/**
 * `npm run bench -- verify [--seconds S] [--leaves N]`
 *
 * 1. Receipts verified per second: atlog's verifyReceipt (RFC 9942 vds 1, proof + signature) with an ES256 and
 *    an ML-DSA-65 service key, against @transmute/cose's receipt.inclusion.verify on the same ES256 receipts
 *    (transmute has no ML-DSA, so ML-DSA-65 has no baseline).
 * 2. Transparent Statements verified per second per issuer algorithm: atlog's verifyTransparentStatement
 *    (decode, issuer signature, entry hash, one ES256 receipt). Baseline for ES256 and ES384 (the algorithms
 *    transmute signs): transmute's sign1 verifier for the statement, its receipt.remove for the registered bytes,
 *    SHA-256 for the entry hash, and its receipt.inclusion.verify.
 * atlog's figures are taken twice: with the node:crypto signature backend, which the CLI and the service install
 * (useNodeSignatures), and with the pure-JS default (@noble/curves), which is what a browser runs.
 * Each figure runs for S seconds (default 1) after a short warm-up, in this process, one operation at a time.
 */
import { createHash } from 'node:crypto';
import * as transmute from '@transmute/cose';
import { useNodeSignatures } from '../src/crypto/node/signatures.js';
import { useSignatureBackend } from '../src/crypto/signatures.js';
import { ALG_ED25519, ALG_ES256, ALG_ES384, ALG_ESP256, ALG_ML_DSA_44, ALG_ML_DSA_65, ALG_ML_DSA_87, algById } from '../src/cose/algorithms.js';
import { generateKey, type PrivateKey, type PublicKey } from '../src/keys/index.js';
import { leafHash } from '../src/merkle/index.js';
import { issueInclusionReceipt, signTreeHead, type SignedTreeHead } from '../src/receipts/index.js';
import { buildStatement, entryHash, registrationEntry, toTransparentStatement } from '../src/statements/index.js';
import { toBase64Url } from '../src/util/bytes.js';
import { verifyReceipt } from '../src/receipts/index.js';
import { verifyTransparentStatement } from '../src/verify/index.js';
import { MemoryTree } from '../test-vectors/tree.js';

interface Options {
  seconds: number;
  leaves: number;
}

function parse(args: string[]): Options {
  const o: Options = { seconds: 1, leaves: 1024 };
  for (let i = 0; i < args.length; i += 2) {
    const [k, v] = [args[i], Number(args[i + 1])];
    if (k === '--seconds' && v > 0) o.seconds = v;
    else if (k === '--leaves' && Number.isInteger(v) && v > 1) o.leaves = v;
    else throw new Error(`unknown or bad option ${String(k)} ${String(args[i + 1])}`);
  }
  return o;
}

/** Operations per second of `op` over `seconds`, cycling through `n` prepared inputs. */
async function rate(seconds: number, n: number, op: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(n, 50); i++) await op(i); // warm-up (JIT, WebCrypto key import caches)
  const end = performance.now() + seconds * 1000;
  let count = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await op(count % n);
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

const toAb = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function jwk(pub: PublicKey, crv: 'P-256' | 'P-384'): { kty: string; crv: string; x: string; y: string; alg: string } {
  const m = pub.toCoseKey();
  return { kty: 'EC', crv, x: toBase64Url(m.get(-2) as Uint8Array), y: toBase64Url(m.get(-3) as Uint8Array), alg: crv === 'P-256' ? 'ES256' : 'ES384' };
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

/** `rate` with the node:crypto backend installed (as `atlog verify` runs), then with the pure-JS default. */
async function bothBackends(seconds: number, n: number, op: (i: number) => unknown): Promise<{ node: number; noble: number }> {
  useNodeSignatures();
  const node = await rate(seconds, n, op);
  useSignatureBackend(undefined);
  const noble = await rate(seconds, n, op);
  useNodeSignatures();
  return { node, noble };
}

export async function run(args: string[]): Promise<void> {
  const o = parse(args);
  useNodeSignatures(); // keys and statements are made as the CLI makes them
  const es = Array.from({ length: o.leaves }, (_, i) => createHash('sha256').update(`bench entry ${i}`).digest());
  const entries = es.map((b) => new Uint8Array(b));
  const tree = new MemoryTree(entries);
  const SAMPLE = 64;
  const idx = Array.from({ length: SAMPLE }, (_, i) => Math.floor((i * 7919) % o.leaves));
  const svcEs = generateKey('ES256');
  const svcMl = generateKey('ML-DSA-65');
  const sth = (key: PrivateKey): SignedTreeHead => signTreeHead({ key, issuer: 'https://bench.example', treeSize: o.leaves, root: tree.rootAt() });
  const [sthEs, sthMl] = [sth(svcEs), sth(svcMl)];
  const proofs = await Promise.all(idx.map((i) => tree.inclusion(i)));
  const rEs = idx.map((i, k) => issueInclusionReceipt(sthEs, i, proofs[k]!));
  const rMl = idx.map((i, k) => issueInclusionReceipt(sthMl, i, proofs[k]!));

  console.log(`tree of ${o.leaves} leaves (paths of ${proofs[0]!.length} hashes), ${o.seconds} s per figure, one operation at a time\n`);
  console.log('| receipts verified per second | atlog (node:crypto) | atlog (noble, as in a browser) | @transmute/cose | atlog node:crypto / transmute |');
  console.log('|---|---:|---:|---:|---:|');
  const ourEs = await bothBackends(o.seconds, SAMPLE, (k) => verifyReceipt(rEs[k]!, { entryHash: entries[idx[k]!]!, keys: [svcEs.publicKey] }));
  const tVerifier = transmute.detached.verifier({ resolver: { resolve: async () => jwk(svcEs.publicKey, 'P-256') } });
  const leaves = idx.map((i) => leafHash(entries[i]!));
  const theirEs = await rate(o.seconds, SAMPLE, (k) => transmute.receipt.inclusion.verify({ entry: leaves[k]!, receipt: toAb(rEs[k]!), verifier: tVerifier }));
  console.log(`| ES256 service key | ${fmt(ourEs.node)} | ${fmt(ourEs.noble)} | ${fmt(theirEs)} | ${(ourEs.node / theirEs).toFixed(2)} |`);
  const ourMl = await bothBackends(o.seconds, SAMPLE, (k) => verifyReceipt(rMl[k]!, { entryHash: entries[idx[k]!]!, keys: [svcMl.publicKey] }));
  console.log(`| ML-DSA-65 service key | ${fmt(ourMl.node)} | ${fmt(ourMl.noble)} | n/a (no ML-DSA) | |`);

  console.log('\n| Transparent Statements verified per second (issuer alg; one ES256 receipt) | atlog (node:crypto) | atlog (noble, as in a browser) | @transmute/cose | atlog node:crypto / transmute |');
  console.log('|---|---:|---:|---:|---:|');
  const algs = [ALG_ESP256, ALG_ES256, ALG_ES384, ALG_ED25519, ALG_ML_DSA_44, ALG_ML_DSA_65, ALG_ML_DSA_87];
  for (const alg of algs) {
    const issuer = generateKey(alg);
    const sts = Array.from({ length: 16 }, (_, i) =>
      buildStatement({ key: issuer, iss: 'https://issuer.example', sub: `urn:bench:${i}`, payload: new TextEncoder().encode(`{"n":${i},"pad":"${'x'.repeat(200)}"}`), contentType: 'application/json' }),
    );
    const t = new MemoryTree(sts.map((s) => entryHash(registrationEntry(s))));
    const h = signTreeHead({ key: svcEs, issuer: 'https://bench.example', treeSize: t.size, root: t.rootAt() });
    const tss = await Promise.all(sts.map(async (s, i) => toTransparentStatement(s, [issueInclusionReceipt(h, i, await t.inclusion(i))])));
    const ours = await bothBackends(o.seconds, tss.length, async (k) => {
      const r = await verifyTransparentStatement({ statement: tss[k]!, serviceKeys: [svcEs.publicKey], issuerKeys: [issuer.publicKey] });
      if (!r.valid) throw new Error(`bench statement did not verify: ${r.failure?.code}`);
    });
    let theirs: number | undefined;
    if (alg === ALG_ES256 || alg === ALG_ES384) {
      const sv = transmute.verifier({ resolver: { resolve: async () => jwk(issuer.publicKey, alg === ALG_ES256 ? 'P-256' : 'P-384') } });
      const rs = tss.map((ts) => transmute.receipt.get(toAb(ts)));
      const resolved = await Promise.all(rs);
      theirs = await rate(o.seconds, tss.length, async (k) => {
        await sv.verify({ coseSign1: toAb(sts[k]!) });
        const onLedger = new Uint8Array(await transmute.receipt.remove(toAb(tss[k]!)));
        const entry = leafHash(new Uint8Array(createHash('sha256').update(onLedger).digest()));
        await transmute.receipt.inclusion.verify({ entry, receipt: resolved[k]![0]!, verifier: tVerifier });
      });
    }
    const name = algById(alg)!.name;
    console.log(`| ${name} | ${fmt(ours.node)} | ${fmt(ours.noble)} | ${theirs ? fmt(theirs) : 'n/a (not supported)'} | ${theirs ? (ours.node / theirs).toFixed(2) : ''} |`);
  }
}
