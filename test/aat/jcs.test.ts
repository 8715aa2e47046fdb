import { describe, expect, it } from 'vitest';
import { isAtlogError } from '../../src/errors.js';
import { canonicalBytes, canonicalString } from '../../src/aat/index.js';

/** A double from its IEEE 754 bit pattern (RFC 8785 Appendix B lists samples that way). */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

function expectNotJson(x: unknown): void {
  try {
    canonicalBytes(x);
  } catch (e) {
    expect(isAtlogError(e, 'ERR_AAT_NOT_JSON')).toBe(true);
    return;
  }
  throw new Error('expected ERR_AAT_NOT_JSON');
}

describe('RFC 8785 JCS', () => {
  it('Section 3.2.2 example: whitespace, literals, numbers and string escapes', () => {
    const input =
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n' +
      '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n' +
      '  "literals": [null, true, false]\n}';
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    expect(canonicalString(JSON.parse(input))).toBe(expected);
  });

  it('Section 3.2.3 example: members sorted by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Expected order: \r, "1", U+0080, U+00F6, U+20AC, U+1F600 (surrogates D83D DE00), U+FB33.
    expect(canonicalString(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('Section 3.2.4 UTF-8 output: the Euro sign is three bytes', () => {
    expect(Array.from(canonicalBytes({ a: '\u20ac' }))).toEqual([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0xac, 0x22, 0x7d]);
  });

  // RFC 8785 Appendix B: IEEE 754 bit patterns and their ES6 serialization.
  it.each<[string, string]>([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('Appendix B: %s serializes as %s', (bits, text) => {
    expect(canonicalString(fromBits(bits))).toBe(text);
    expect(canonicalString([fromBits(bits)])).toBe(`[${text}]`);
  });

  it.each(['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000'])('Appendix B: %s (NaN/Infinity) is an error', (bits) => {
    expectNotJson(fromBits(bits));
    expectNotJson({ n: fromBits(bits) });
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['undefined member', { a: undefined }],
    ['undefined in an array', [1, undefined]],
    ['function', () => 1],
    ['function member', { f: function named() {} }],
    ['symbol', Symbol('s')],
    ['symbol key', { [Symbol('s')]: 1 }],
    ['bigint', 10n],
    ['Date', new Date(0)],
    ['Map', new Map()],
    ['class instance', new (class Point { x = 1; })()],
    ['lone high surrogate', '\ud800'],
    ['lone low surrogate key', { '\udc00': 1 }],
  ])('rejects a non-JSON value: %s', (_n, x) => {
    expectNotJson(x);
  });

  it('rejects cycles', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    expectNotJson(a);
  });

  it('names every offending path', () => {
    try {
      canonicalBytes({ a: Number.NaN, b: [1, () => 0], c: { 'd/e': undefined } });
      throw new Error('expected a throw');
    } catch (e) {
      expect(isAtlogError(e, 'ERR_AAT_NOT_JSON')).toBe(true);
      const paths = ((e as { details: { errors: { path: string }[] } }).details.errors).map((x) => x.path);
      expect(paths).toEqual(['/a', '/b/1', '/c/d~1e']);
    }
  });

  it('accepts the same value twice in a DAG (not a cycle), null-prototype objects and nested structures', () => {
    const shared = { z: 1 };
    const bare = Object.assign(Object.create(null) as object, { b: 2, a: 1 });
    expect(canonicalString({ x: shared, y: shared, n: bare })).toBe('{"n":{"a":1,"b":2},"x":{"z":1},"y":{"z":1}}');
  });
});
