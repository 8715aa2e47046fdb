import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRecordKey, verifyChain, type AatRecord, type JsonValue } from '../../src/aat/index.js';
import { buildChain } from './chain-helpers.js';
import { clone } from './fixtures.js';

const { privateKey, publicKey } = generateRecordKey();

const OUTCOMES = ['success', 'failure', 'timeout', 'denied', 'escalated'] as const;
const LEVELS = ['L0', 'L1', 'L2', 'L3', 'L4'] as const;

/** A content edit of one record that keeps it a valid record but changes its JCS bytes. */
type Edit = (r: AatRecord, v: JsonValue) => void;
const EDITS: Record<string, Edit> = {
  outcome: (r) => { r.outcome = OUTCOMES[(OUTCOMES.indexOf(r.outcome) + 1) % OUTCOMES.length]!; },
  trust: (r) => { r.trust_level = LEVELS[(LEVELS.indexOf(r.trust_level) + 1) % LEVELS.length]!; },
  addMember: (r, v) => { r['x_mutation'] = v; },
  detailMember: (r, v) => { r.action_detail['x_mutation'] = v; },
  version: (r) => { r.agent_version = `${r.agent_version}-tampered`; },
  timestampLater: (r) => { r.timestamp = r.timestamp.replace('Z', '+00:00'); },
};

const json = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>;

const chainArb = fc.record({ middle: fc.integer({ min: 0, max: 6 }), close: fc.boolean(), salt: fc.integer({ min: 0, max: 50 }) });

describe('chain properties', () => {
  it('random valid chains verify', () => {
    fc.assert(
      fc.property(chainArb, (spec) => {
        const chain = buildChain(spec);
        expect(verifyChain(chain)).toMatchObject({ valid: true, records: chain.length, verified: chain.length });
      }),
      { numRuns: 60 },
    );
  });

  it('any single edit, removal, swap or duplication of a non-final record is detected', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('edit' as const), edit: fc.constantFrom(...Object.keys(EDITS)), value: json, at: fc.nat() }),
      fc.record({ op: fc.constant('remove' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
      fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), to: fc.nat() }),
    );
    fc.assert(
      fc.property(chainArb, mutation, (spec, m) => {
        const chain = clone(buildChain(spec));
        const n = chain.length;
        if (n < 2 && m.op !== 'duplicate') return; // a lone genesis has no "non-final" record
        const k = m.at % Math.max(1, n - 1); // never the final record: nothing after it can notice (see signed case)
        if (m.op === 'edit') {
          const before = JSON.stringify(chain[k]);
          EDITS[m.edit]!(chain[k]!, m.value);
          if (JSON.stringify(chain[k]) === before) return;
        } else if (m.op === 'remove') {
          chain.splice(k, 1);
        } else if (m.op === 'swap') {
          const j = m.with % n;
          if (j === k) return;
          [chain[k], chain[j]] = [chain[j]!, chain[k]!];
        } else {
          chain.splice(m.to % (n + 1), 0, clone(chain[m.at % n]!));
        }
        const res = verifyChain(chain);
        expect(res.valid).toBe(false);
        expect(res.firstBreak).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('with signatures, an edit of any record, the final one included, is detected', () => {
    const signedChains = [1, 2, 3].map((salt) => buildChain({ middle: 3, salt, key: privateKey }));
    fc.assert(
      fc.property(fc.nat(2), fc.nat(), fc.constantFrom(...Object.keys(EDITS)), json, (c, at, edit, value) => {
        const chain = clone(signedChains[c]!);
        const k = at % chain.length;
        const before = JSON.stringify(chain[k]);
        EDITS[edit]!(chain[k]!, value);
        if (JSON.stringify(chain[k]) === before) return;
        const res = verifyChain(chain, { publicKey });
        expect(res.valid).toBe(false);
        expect(res.firstBreak?.index).toBe(k);
      }),
      { numRuns: 80 },
    );
  });
});
