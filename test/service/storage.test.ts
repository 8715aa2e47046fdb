import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
