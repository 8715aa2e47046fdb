import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromHex, toBase64Url, toHex } from '../src/util/bytes.js';
import { AtlogError } from '../src/errors.js';

describe('bytes', () => {
  it('round-trips hex and base64url', () => {
    const b = new Uint8Array([0, 1, 254, 255]);
    expect(toHex(b)).toBe('0001feff');
    expect(fromHex('0001FEFF')).toEqual(b);
    expect(fromBase64Url(toBase64Url(b))).toEqual(b);
  });
  it('rejects malformed input with a code', () => {
    expect(() => fromHex('abc')).toThrow(AtlogError);
    expect(() => fromBase64Url('a+b=')).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_BASE64' }));
  });
});
