import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AtlogError } from '../../src/errors.js';
import { Admission } from '../../src/service/admission.js';
import { OperationTable } from '../../src/service/operations.js';
import { defaultPolicy } from '../../src/policy/schema.js';
import type { CheckedStatement } from '../../src/service/registration.js';
import type { Pending } from '../../src/service/sequencer.js';
import { metaKeys, textPut } from '../../src/service/state.js';
import { entryHash, registrationEntry } from '../../src/statements/index.js';
import { MemoryStorage, MemoryVolume } from '../../src/storage/index.js';
import { toHex } from '../../src/util/bytes.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { Agent, codeOf, openService, register, toolCall, verifyAll } from './helpers.js';

afterAll(removeTempDirs);

describe('the service over another storage driver', () => {
  it('registers, restarts and recovers a missing checkpoint on the in-memory driver, with no LevelDB directory', async () => {
    const dataDir = tempDir();
    const volume = new MemoryVolume();
    const storage = (): Promise<MemoryStorage> => MemoryStorage.open(volume);
    const a = new Agent();
    let svc = await openService({ dataDir, storage });
    await svc.issuers.add(a.id, a.key.publicKey);
    const first = await register(svc, a.statement(a.genesis()));
    const second = await register(svc, a.statement(a.push(a.next(toolCall()))));
    expect(verifyAll(svc, second.entry.entryId, second.entry.receipts).map((v) => v.treeSize)).toEqual([2, 2]);
    const cp = (await svc.latestCheckpoint())!;
    await svc.close();
    expect(existsSync(join(dataDir, 'log'))).toBe(false);

    // A crash after an append, before its checkpoint: the sequencer signs it on the next open.
    const o = new Agent();
    const orphan = registrationEntry(o.statement(o.genesis()));
    const raw = await MemoryStorage.open(volume);
    await raw.appender.append([orphan], [textPut(metaKeys.batches, '2,3')]);
    await raw.close();

    svc = await openService({ dataDir, storage });
    try {
      expect((await svc.receipts(first.entry.entryId))!.map(toHex)).toEqual(first.entry.receipts.map(toHex));
      expect((await svc.consistencyReceipt(cp.treeSize, 3))).toHaveLength(2);
      const id = toHex(entryHash(orphan));
      expect(verifyAll(svc, id, (await svc.receipts(id))!).map((v) => v.treeSize)).toEqual([3, 3]);
      expect(await svc.sessionEntries(a.id, a.sessionId)).toEqual([first.entry.entryId, second.entry.entryId]);
      expect(await codeOf(openService({ dataDir: tempDir(), storage }))).toBe('ERR_LOG_LOCKED');
    } finally {
      await svc.close();
    }
  });
});

describe('admission', () => {
  /** An Admission whose registration check waits until the test releases it. */
  function admission(queueLimit = 10) {
    const queued: Pending[] = [];
    const checks: Array<(c: CheckedStatement) => void> = [];
    const a = new Admission({
      registrar: {
        prepare: () => {
          throw new AtlogError('ERR_REG_MALFORMED', 'left to check');
        },
        check: () => new Promise<CheckedStatement>((resolve) => checks.push(resolve)),
      },
      reader: { indexOfEntryHash: async () => undefined },
      queries: { registered: async () => undefined },
      ops: new OperationTable(10),
      sequencer: { depth: 0, enqueue: (p) => void queued.push(p) },
      policy: defaultPolicy,
      queueLimit,
    });
    const release = (k: number): void => {
      const entry = Uint8Array.of(k);
      checks[k]!({ entry, entryHash: new Uint8Array(32).fill(k), entryId: toHex(new Uint8Array(32).fill(k)) });
    };
    return { a, queued, checks, release };
  }
  const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('close() resolves once no registration is being verified, and queues what was accepted', async () => {
    const { a, queued, checks, release } = admission();
    const subs = [a.submit(Uint8Array.of(1)), a.submit(Uint8Array.of(2))];
    await turn();
    expect(checks).toHaveLength(2);
    expect(a.depth).toBe(2);
    let closed = false;
    const closing = a.close().then(() => (closed = true));
    expect(await codeOf(a.submit(Uint8Array.of(3)))).toBe('ERR_SERVICE_CLOSED');
    release(0);
    await turn();
    expect(closed).toBe(false); // one is still being verified
    release(1);
    await closing;
    expect(queued.map((p) => p.checked.entryId)).toEqual((await Promise.all(subs)).map((s) => s.entryId));
    expect(a.depth).toBe(0);
    expect(a.rejections).toEqual({ ERR_SERVICE_CLOSED: 1 });
    await a.close(); // idempotent, resolves at once
  });

  it('pushes back beyond the queue limit, counting what is being verified', async () => {
    const { a, release } = admission(1);
    const first = a.submit(Uint8Array.of(1));
    await turn();
    expect(await codeOf(a.submit(Uint8Array.of(2)))).toBe('ERR_LOG_PUSHBACK');
    release(0);
    expect((await first).duplicate).toBe(false);
    expect(a.rejections).toEqual({ ERR_LOG_PUSHBACK: 1 });
  });
});
