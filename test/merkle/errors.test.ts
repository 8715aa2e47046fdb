import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootAt,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.js';
import { codeOf, codeOfAsync } from '../helpers/errors.js';

const H = new Uint8Array(32).fill(7);
const short = new Uint8Array(31);
const long = new Uint8Array(33);
const read = async (): Promise<Uint8Array> => H;

const asAny = <T>(x: unknown): T => x as T;

describe('malformed input throws coded errors', () => {
  const table: Array<[string, () => unknown, string]> = [
    ['inclusion: short leaf', () => verifyInclusion(short, 0, 1, [], H), 'ERR_MERKLE_BAD_HASH'],
    ['inclusion: long root', () => verifyInclusion(H, 0, 1, [], long), 'ERR_MERKLE_BAD_HASH'],
    ['inclusion: short path element', () => verifyInclusion(H, 0, 2, [short], H), 'ERR_MERKLE_BAD_HASH'],
    ['inclusion: path element not bytes', () => verifyInclusion(H, 0, 2, [asAny<Uint8Array>('aa')], H), 'ERR_MERKLE_BAD_HASH'],
    ['inclusion: path not an array', () => verifyInclusion(H, 0, 2, asAny<Uint8Array[]>(H), H), 'ERR_MERKLE_BAD_PROOF'],
    ['inclusion: index = size', () => verifyInclusion(H, 1, 1, [], H), 'ERR_MERKLE_INDEX_OUT_OF_RANGE'],
    ['inclusion: empty tree', () => verifyInclusion(H, 0, 0, [], H), 'ERR_MERKLE_INDEX_OUT_OF_RANGE'],
    ['inclusion: negative index', () => verifyInclusion(H, -1, 2, [H], H), 'ERR_MERKLE_BAD_SIZE'],
    ['inclusion: fractional size', () => verifyInclusion(H, 0, 1.5, [], H), 'ERR_MERKLE_BAD_SIZE'],
    ['inclusion: NaN size', () => verifyInclusion(H, 0, NaN, [], H), 'ERR_MERKLE_BAD_SIZE'],
    ['inclusion: size 2^53', () => verifyInclusion(H, 0, 2 ** 53, [], H), 'ERR_MERKLE_BAD_SIZE'],
    ['inclusion: bigint size', () => verifyInclusion(H, 0, asAny<number>(2n), [H], H), 'ERR_MERKLE_BAD_SIZE'],
    ['root from path: too short', () => rootFromInclusionProof(H, 0, 4, [H]), 'ERR_MERKLE_BAD_PROOF'],
    ['root from path: too long', () => rootFromInclusionProof(H, 0, 1, [H]), 'ERR_MERKLE_BAD_PROOF'],
    ['consistency: from size 0', () => verifyConsistency(0, 5, [], H, H), 'ERR_MERKLE_EMPTY_CONSISTENCY'],
    ['consistency: 0 to 0', () => verifyConsistency(0, 0, [], H, H), 'ERR_MERKLE_EMPTY_CONSISTENCY'],
    ['consistency: size1 > size2', () => verifyConsistency(3, 2, [H], H, H), 'ERR_MERKLE_BAD_SIZE'],
    ['consistency: short root1', () => verifyConsistency(1, 2, [H], short, H), 'ERR_MERKLE_BAD_HASH'],
    ['consistency: long path element', () => verifyConsistency(1, 2, [long], H, H), 'ERR_MERKLE_BAD_HASH'],
    ['consistency: negative size', () => verifyConsistency(1, -2, [H], H, H), 'ERR_MERKLE_BAD_SIZE'],
    ['node hash: short child', () => nodeHash(H, short), 'ERR_MERKLE_BAD_HASH'],
    ['leaf hash: not bytes', () => leafHash(asAny<Uint8Array>('x')), 'ERR_INVALID_ARGUMENT'],
    ['root of leaves: short leaf hash', () => rootFromLeafHashes([H, short]), 'ERR_MERKLE_BAD_HASH'],
  ];
  it.each(table)('%s', (_name, f, code) => {
    expect(codeOf(f)).toBe(code);
  });

  const asyncTable: Array<[string, () => Promise<unknown>, string]> = [
    ['proof: index = size', () => inclusionProof(4, 4, read), 'ERR_MERKLE_INDEX_OUT_OF_RANGE'],
    ['proof: fractional index', () => inclusionProof(0.5, 4, read), 'ERR_MERKLE_BAD_SIZE'],
    ['consistency proof: from 0', () => consistencyProof(0, 4, read), 'ERR_MERKLE_EMPTY_CONSISTENCY'],
    ['consistency proof: 5 to 4', () => consistencyProof(5, 4, read), 'ERR_MERKLE_BAD_SIZE'],
    ['rootAt: negative', () => rootAt(-1, read), 'ERR_MERKLE_BAD_SIZE'],
    ['reader returns 31 bytes', () => inclusionProof(0, 4, async () => short), 'ERR_MERKLE_BAD_HASH'],
    ['batch reader returns too few', () => rootAt(3, { readNodes: async () => [H] }), 'ERR_MERKLE_READER'],
  ];
  it.each(asyncTable)('%s', async (_name, f, code) => {
    expect(await codeOfAsync(f)).toBe(code);
  });

  it('a valid 1-leaf proof is empty and the root is the leaf hash', async () => {
    expect(await inclusionProof(0, 1, read)).toEqual([]);
    expect(verifyInclusion(H, 0, 1, [], H)).toBe(true);
    expect(verifyConsistency(1, 1, [], H, H)).toBe(true);
    expect(verifyConsistency(1, 1, [H], H, H)).toBe(false);
  });
});
