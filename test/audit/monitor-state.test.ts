import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseState, readStateFile, serializeState, writeFileAtomic, writeStateFile, type MonitorState } from '../../src/audit/monitor/index.js';
import { expectCode } from '../helpers/errors.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

/** The monitor's state file (spec/monitor.md section 4): strict parsing, and replacement by an atomic rename. */

afterAll(removeTempDirs);

const state: MonitorState = {
  url: 'http://127.0.0.1:8080',
  keys: { source: 'trust-on-first-use', pinnedAt: '2026-12-03T08:00:00.000Z', kids: ['abc'], file: new Uint8Array([0x80]) },
  head: { format: 'atlog-checkpoint', treeSize: 7, root: new Uint8Array(32).fill(7), seenAt: '2026-12-03T08:00:01.000Z', bytes: new Uint8Array([1, 2, 3]) },
  checkedAt: '2026-12-03T08:00:01.000Z',
  checks: 3,
};

describe('monitor state format', () => {
  it('round-trips, with and without a recorded head', () => {
    expect(parseState(serializeState(state))).toEqual(state);
    const { head: _h, ...noHead } = state;
    expect(parseState(serializeState(noHead))).toEqual(noHead);
  });

  const good = JSON.parse(serializeState(state)) as Record<string, unknown>;
  const head = good.head as Record<string, unknown>;
  const keys = good.keys as Record<string, unknown>;
  it.each<[string, unknown]>([
    ['not an object', [1]],
    ['no format', { ...good, format: undefined }],
    ['version 2', { ...good, version: 2 }],
    ['no url', { ...good, url: '' }],
    ['checkedAt not a time', { ...good, checkedAt: 'yesterday' }],
    ['negative checks', { ...good, checks: -1 }],
    ['keys.source unknown', { ...good, keys: { ...keys, source: 'guess' } }],
    ['keys.kids not text', { ...good, keys: { ...keys, kids: [1] } }],
    ['keys.file not base64', { ...good, keys: { ...keys, file: '%%' } }],
    ['head.format unknown', { ...good, head: { ...head, format: 'tlog' } }],
    ['head.root short', { ...good, head: { ...head, root: 'abcd' } }],
    ['head.root not hex', { ...good, head: { ...head, root: 'zz'.repeat(32) } }],
    ['head.treeSize fractional', { ...good, head: { ...head, treeSize: 1.5 } }],
  ])('refuses %s with ERR_MONITOR_STATE', (_what, v) => {
    expectCode(() => parseState(JSON.stringify(v)), 'ERR_MONITOR_STATE');
  });
  it('refuses text that is not JSON', () => expectCode(() => parseState('{'), 'ERR_MONITOR_STATE'));
});

describe('monitor state file', () => {
  it('is absent before the first check, replaced whole afterwards, and leaves no temporary file', () => {
    const dir = tempDir('atlog-monitor-state-');
    const p = join(dir, 'state.json');
    expect(readStateFile(p)).toBeUndefined();
    writeStateFile(p, state);
    writeStateFile(p, { ...state, checks: 4 });
    expect(readStateFile(p)?.checks).toBe(4);
    expect(readdirSync(dir)).toEqual(['state.json']);
    writeFileAtomic(join(dir, 'b.bin'), new Uint8Array([9, 8]));
    expect([...readFileSync(join(dir, 'b.bin'))]).toEqual([9, 8]);
    writeFileSync(p, 'garbage');
    expectCode(() => readStateFile(p), 'ERR_MONITOR_STATE');
    expectCode(() => readStateFile(dir), 'ERR_MONITOR_STATE'); // a directory is no state file
    expectCode(() => writeStateFile(join(dir, 'no', 'such', 'dir.json'), state), 'ERR_MONITOR_STATE');
  });
});
