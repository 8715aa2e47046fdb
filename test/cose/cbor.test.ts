import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborDecode, cborEncode, isTag, Tag } from '../../src/cose/cbor.js';
import { isAtlogError } from '../../src/errors.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { codeOf } from '../helpers/errors.js';

describe('cborEncode: RFC 8949 4.2.1 core deterministic encoding', () => {
  it.each([
    // [value, expected hex]
    [0, '00'],
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65536, '1a00010000'],
    [2 ** 32, '1b0000000100000000'], // an integer, never the float64 cbor-x would write
    [2 ** 40, '1b0000010000000000'],
    [-1, '20'],
    [-(2 ** 40), '3b000000ffffffffff'],
    [2n ** 63n, '1b8000000000000000'],
    [5n, '05'],
    ['a', '6161'],
    [new Uint8Array([1, 2]), '420102'],
    [null, 'f6'],
    [true, 'f5'],
    [[1, [2]], '82018102'],
    [new Tag(new Uint8Array(0), 18), 'd240'],
  ])('encodes %s as %s', (value, hex) => {
    expect(toHex(cborEncode(value))).toBe(hex);
  });

  it('sorts map keys by the bytewise order of their encodings', () => {
    const m = new Map<unknown, unknown>([['a', 0], [-1, 0], [100, 0], [10, 0], [1, 0], [-100, 0]]);
    const decoded = cborDecode(cborEncode(m)) as Map<unknown, unknown>;
    expect([...decoded.keys()]).toEqual([1, 10, 100, -1, -100, 'a']);
    expect(toHex(cborEncode(new Map([[4, 1], [1, -7]])))).toBe('a201260401');
  });

  it('sorts nested maps too', () => {
    const inner = new Map([[2, 'x'], [1, 'y']]);
    expect(toHex(cborEncode(new Map([[15, inner]])))).toBe('a10fa2016179026178');
  });

  it.each([
    ['a plain object', { a: 1 }],
    ['NaN', NaN],
    ['an unsafe integer number', 2 ** 60],
    ['a bigint beyond 64 bits', 2n ** 70n],
    ['a Float32Array', new Float32Array(1)],
    ['a function', () => 1],
  ])('refuses %s', (_name, value) => {
    expect(codeOf(() => cborEncode(value))).toBe('ERR_CBOR_UNSUPPORTED_TYPE');
  });
});

describe('cborDecode: strict', () => {
  it.each([
    ['', 'ERR_CBOR_EMPTY'],
    ['a2016161016162', 'ERR_CBOR_DUPLICATE_KEY'],
    ['a2616101616102', 'ERR_CBOR_DUPLICATE_KEY'],
    ['5f41014102ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    ['7f6161ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    ['9f01ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    ['bf0101ff', 'ERR_CBOR_INDEFINITE_LENGTH'],
    ['0100', 'ERR_CBOR_TRAILING_BYTES'],
    ['d24000', 'ERR_CBOR_TRAILING_BYTES'],
    ['1817', 'ERR_CBOR_NON_MINIMAL'],
    ['190017', 'ERR_CBOR_NON_MINIMAL'],
    ['1a0000ffff', 'ERR_CBOR_NON_MINIMAL'],
    ['1b00000000ffffffff', 'ERR_CBOR_NON_MINIMAL'],
    ['5801ff', 'ERR_CBOR_NON_MINIMAL'],
    ['5affffffff', 'ERR_CBOR_TRUNCATED'],
    ['5bffffffffffffffff', 'ERR_CBOR_TRUNCATED'],
    ['9bffffffffffffffff', 'ERR_CBOR_TRUNCATED'],
    ['bb7fffffffffffffff', 'ERR_CBOR_TRUNCATED'],
    ['9a00010000', 'ERR_CBOR_TRUNCATED'],
    ['1b', 'ERR_CBOR_TRUNCATED'],
    ['810102', 'ERR_CBOR_TRAILING_BYTES'],
    ['8301', 'ERR_CBOR_TRUNCATED'],
    ['62c328', 'ERR_CBOR_INVALID_UTF8'],
    ['ff', 'ERR_CBOR_MALFORMED'],
    ['1c', 'ERR_CBOR_MALFORMED'],
    ['f818', 'ERR_CBOR_MALFORMED'],
    ['f0', 'ERR_CBOR_RESERVED'],
    ['f8ff', 'ERR_CBOR_RESERVED'],
  ])('rejects %s with %s', (hex, code) => {
    expect(codeOf(() => cborDecode(fromHex(hex)))).toBe(code);
  });

  it('limits nesting depth and input size', () => {
    const deep = new Uint8Array(200).fill(0x81);
    deep[199] = 0;
    expect(codeOf(() => cborDecode(deep))).toBe('ERR_CBOR_TOO_DEEP');
    expect(codeOf(() => cborDecode(new Uint8Array(11), { maxBytes: 10 }))).toBe('ERR_CBOR_TOO_LARGE');
    expect(codeOf(() => cborDecode('00' as unknown as Uint8Array))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('decodes integers as number when safe and bigint otherwise', () => {
    expect(cborDecode(fromHex('1b001fffffffffffff'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(cborDecode(fromHex('1b0020000000000000'))).toBe(2n ** 53n);
    expect(cborDecode(fromHex('3b001ffffffffffffe'))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(cborDecode(fromHex('3b001fffffffffffff'))).toBe(-(2n ** 53n));
    expect(cborDecode(fromHex('3bffffffffffffffff'))).toBe(-(2n ** 64n));
  });

  it('keeps tags as Tag (tag 1 is not turned into a Date) and decodes floats', () => {
    const t = cborDecode(fromHex('c11a514b67b0'));
    expect(isTag(t, 1)).toBe(true);
    expect((t as Tag).value).toBe(1363896240);
    expect(cborDecode(fromHex('f93e00'))).toBe(1.5);
    expect(cborDecode(fromHex('f97c00'))).toBe(Infinity);
    expect(cborDecode(fromHex('fa47c35000'))).toBe(100000);
    expect(cborDecode(fromHex('fb3ff8000000000000'))).toBe(1.5);
    expect(cborDecode(fromHex('f7'))).toBeUndefined();
  });

  it('returns byte strings as Uint8Array copies and maps as Map', () => {
    const buf = fromHex('a1014201020000');
    const m = cborDecode(buf.subarray(0, 5)) as Map<number, Uint8Array>;
    expect(m).toBeInstanceOf(Map);
    expect(m.get(1)).toEqual(new Uint8Array([1, 2]));
    expect(m.get(1)!.buffer).not.toBe(buf.buffer);
  });
});

describe('round trip (property)', () => {
  const leaf = fc.oneof(
    fc.integer(),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
    fc.string(),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(null, true, false),
  );
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('v'), { maxLength: 4 }),
      fc.uniqueArray(fc.tuple(fc.oneof(fc.integer(), fc.string()), tie('v')), { maxLength: 4, selector: (e) => e[0] }).map((es) => new Map(es)),
    ),
  })).v;

  it('decode(encode(v)) re-encodes to the same bytes, and the encoding is strict-valid', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = cborEncode(v);
        const back = cborDecode(bytes);
        expect(toHex(cborEncode(back))).toBe(toHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but AtlogError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          cborDecode(b);
        } catch (e) {
          expect(isAtlogError(e)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
