import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cborDecode } from '../../src/cose/cbor.js';
import { decodeSign1 } from '../../src/cose/sign1.js';
import { importCoseKeySet, type PublicKey } from '../../src/keys/index.js';
import { verifyConsistencyReceipt, verifyReceipt } from '../../src/receipts/index.js';
import { equalBytes, fromHex, toHex } from '../../src/util/bytes.js';
import { removeTempDir, tempDir } from '../helpers/temp.js';
import { aatStatement, call, makeAgent, policyYaml, postEntry } from './helpers.js';
import { spawnServer, type ServerProcess } from './spawn.js';

/**
 * Durability under SIGKILL. Many clients register while the real server (a child process) is killed at
 * random moments and restarted on the same data directory. Afterwards:
 * - every statement that got a receipt is in the log at the receipt's index, and the receipt verifies
 *   against the restarted server's keys;
 * - the final tree head is consistent with every tree head seen before (consistency receipts verify);
 * - no two signed tree heads of the same size differ, and no size ever had two roots;
 * - heads a kill left without their RFC 3161 token get anchored after the restart (embedded TSA).
 * Bounded: at most ROUNDS kills and about BUDGET_MS of wall time.
 */

const ROUNDS = 15;
const BUDGET_MS = 25_000;
const CLIENTS = 6;
const ISSUER = 'http://atlog.durability.test';

interface Seen {
  entryId: string;
  receipt: Uint8Array;
}

interface Head {
  size: number;
  root: Uint8Array;
  /** Every signed tree head of the checkpoint (P-256, ML-DSA-65). */
  sths: Uint8Array[];
}

/** A deterministic PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function checkpoint(url: string): Promise<Head | undefined> {
  const a = await call(`${url}/checkpoint`);
  if (a.status !== 200) return undefined;
  const m = cborDecode(a.body) as Map<string, unknown>;
  return { size: m.get('treeSize') as number, root: m.get('root') as Uint8Array, sths: m.get('signedTreeHeads') as Uint8Array[] };
}

describe('durability: SIGKILL at random moments', () => {
  const dir = tempDir('atlog-kill-');
  afterAll(() => removeTempDir(dir));

  it(`keeps every receipted entry and a consistent tree over up to ${ROUNDS} kills`, { timeout: 90_000 }, async () => {
    const agent = makeAgent('ESP256');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, policyYaml([agent]));
    const args = ['--data', join(dir, 'data'), '--policy', policy, '--issuer', ISSUER, '--tsa', 'embedded', '--rate-limit', '0', '--log-level', 'info'];
    const rand = prng(0xa710);
    const receipted: Seen[] = [];
    const heads: Head[] = [];
    const started = Date.now();
    let rounds = 0;
    let server: ServerProcess | undefined;

    while (rounds < ROUNDS && Date.now() - started < BUDGET_MS) {
      rounds++;
      server = await spawnServer(args);
      const url = server.url;
      let alive = true;
      const clients = Array.from({ length: CLIENTS }, async () => {
        while (alive) {
          try {
            const a = await postEntry(url, aatStatement(agent).bytes);
            if (a.status === 201) receipted.push({ entryId: (a.headers.get('location') ?? '').slice('/entries/'.length), receipt: a.body });
          } catch {
            return; // connection refused or reset: the server is gone
          }
        }
      });
      // A watcher samples the signed tree heads, as an auditor or witness would.
      clients.push(
        (async () => {
          while (alive) {
            try {
              const h = await checkpoint(url);
              if (h) heads.push(h);
              await new Promise((r) => setTimeout(r, 15));
            } catch {
              return;
            }
          }
        })(),
      );
      // The first round lets at least one registration through (at most 5 s) before its random delay, so the
      // audit below always has receipts to check even when a loaded machine makes the first batches slow.
      for (const t0 = Date.now(); rounds === 1 && receipted.length === 0 && Date.now() - t0 < 5000; ) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50 + Math.floor(rand() * 400)));
      server.child.kill('SIGKILL');
      await server.exited;
      alive = false;
      await Promise.all(clients);
    }

    // Restart once more and audit.
    server = await spawnServer(args);
    const url = server.url;
    try {
      const keys: PublicKey[] = importCoseKeySet((await call(`${url}/.well-known/scitt-keys`)).body).map((k) => ('publicKey' in k ? k.publicKey : k));
      const final = await checkpoint(url);
      expect(final).toBeDefined();
      expect(rounds).toBeGreaterThanOrEqual(5);
      expect(receipted.length).toBeGreaterThan(0);

      for (const r of receipted) {
        const v = verifyReceipt(r.receipt, { entryHash: fromHex(r.entryId), keys });
        expect(v.leafIndex).toBeLessThan(final!.size);
        const at = await call(`${url}/entries/${v.leafIndex}`);
        expect(at.status).toBe(200);
        expect(at.headers.get('location')).toBe(`/entries/${r.entryId}`);
      }

      heads.push(final!);
      const bySize = new Map<number, Head>();
      for (const h of heads) {
        const prev = bySize.get(h.size);
        if (prev) {
          expect(toHex(h.root)).toBe(toHex(prev.root));
          expect(h.sths.length).toBe(prev.sths.length);
          // Compare what was signed (protected header and signature): the unprotected header legitimately
          // gains the RFC 3161 token (label 270) once the head is anchored.
          h.sths.forEach((sth, i) => {
            const a = decodeSign1(sth);
            const b = decodeSign1(prev.sths[i]!);
            expect(equalBytes(a.protectedBytes, b.protectedBytes)).toBe(true);
            expect(equalBytes(a.signature, b.signature)).toBe(true);
          });
        } else bySize.set(h.size, h);
      }
      for (const h of bySize.values()) {
        if (h.size === final!.size) continue;
        const c = await call(`${url}/proofs/consistency?from=${h.size}&to=${final!.size}`);
        expect(c.status).toBe(200);
        const v = verifyConsistencyReceipt(c.body, { oldRoot: h.root, keys });
        expect(toHex(v.newRoot)).toBe(toHex(final!.root));
      }
      // Heads left unanchored by a kill are anchored after the restart (the anchorer resumes them).
      let unanchored = -1;
      for (let i = 0; i < 100 && unanchored !== 0; i++) {
        const hz = await call(`${url}/healthz`);
        unanchored = (JSON.parse(new TextDecoder().decode(hz.body)) as { unanchoredCheckpoints: number }).unanchoredCheckpoints;
        if (unanchored !== 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(unanchored).toBe(0);
      // The log still takes registrations after all the kills.
      expect((await postEntry(url, aatStatement(agent).bytes)).status).toBe(201);
      console.log(`durability: ${rounds} kills, ${receipted.length} receipts checked, ${bySize.size} tree sizes checked, final size ${final!.size}`);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
