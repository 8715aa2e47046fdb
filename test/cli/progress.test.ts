import { afterEach, describe, expect, it, vi } from 'vitest';
import { progress } from '../../src/cli/progress.js';

/** A stand-in for process.stderr that keeps what is written. */
function stream(isTTY: boolean): { out: string[]; s: NodeJS.WriteStream } {
  const out: string[] = [];
  return { out, s: { isTTY, write: (t: string) => out.push(t) > 0 } as unknown as NodeJS.WriteStream };
}

describe('the progress line of export and audit', () => {
  afterEach(() => vi.useRealTimers());

  it('is silent when neither asked for nor on a terminal', () => {
    const { out, s } = stream(false);
    const p = progress('audit', false, s);
    p.update(5);
    p.done();
    expect(out).toEqual([]);
  });

  it('on a terminal rewrites one line at most once a second, with a rate, and ends it', () => {
    vi.useFakeTimers({ now: 0 });
    const { out, s } = stream(true);
    const p = progress('audit', undefined, s);
    p.update(10); // within the first second: nothing yet
    vi.setSystemTime(1000);
    p.update(2000);
    vi.setSystemTime(1500);
    p.update(2500); // half a second later: held back
    vi.setSystemTime(2000);
    p.update(4000);
    p.done();
    expect(out).toEqual(['\raudit: 2000 entries, 2000/s', '\raudit: 4000 entries, 2000/s', '\raudit: 4000 entries, 2000/s, done\n']);
  });

  it('asked for with --progress into a file or pipe: a line per update', () => {
    vi.useFakeTimers({ now: 0 });
    const { out, s } = stream(false);
    const p = progress('export', true, s);
    vi.setSystemTime(1200);
    p.update(600);
    p.done();
    expect(out).toEqual(['export: 600 entries, 500/s\n', 'export: 600 entries, 500/s, done\n']);
  });
});
