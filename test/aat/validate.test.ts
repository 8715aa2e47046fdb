import { describe, expect, it } from 'vitest';
import { isAtlogError } from '../../src/errors.js';
import { isValidRecord, recordErrors, validateRecord } from '../../src/aat/index.js';
import { CHECK_GENESIS, H, clone, uuidN } from './fixtures.js';

type Obj = Record<string, unknown>;

const genesis = (): Obj => clone(CHECK_GENESIS) as unknown as Obj;

/** A valid non-genesis record with the given action. */
function action(action_type: string, action_detail: Obj, extra: Obj = {}): Obj {
  return {
    ...genesis(),
    record_id: uuidN(2),
    action_type,
    action_detail,
    parent_record_id: CHECK_GENESIS.record_id,
    prev_hash: H('a'),
    ...extra,
  };
}

const VALID_DETAILS: Record<string, Obj> = {
  tool_call: { tool_name: 'search', parameters_hash: H('1') },
  tool_response: { tool_name: 'search', response_hash: H('2'), parent_call_id: uuidN(7) },
  decision: { decision_type: 'route' },
  delegation: { delegate_agent_id: 'urn:agent:example:b', delegate_trust_level: 'L1', task_description_hash: H('3') },
  escalation: { escalation_reason: 'needs approval', escalation_target: 'urn:human:ops' },
  error: { error_code: 'E42', error_message: 'boom', error_category: 'internal', recoverable: false },
  lifecycle: { event: 'pause' },
};

/** The errors' paths, or throws if the record was valid. */
function badPaths(x: unknown, opts?: { draft?: number }): string[] {
  try {
    validateRecord(x, opts);
  } catch (e) {
    expect(isAtlogError(e, 'ERR_AAT_INVALID')).toBe(true);
    const errors = (e as { details: { errors: { path: string; message: string }[] } }).details.errors;
    for (const err of errors) expect(typeof err.message).toBe('string');
    return errors.map((err) => err.path);
  }
  throw new Error('expected ERR_AAT_INVALID');
}

describe('validateRecord: positives', () => {
  it('accepts the STANDARDS genesis and returns the same object', () => {
    const g = genesis();
    expect(validateRecord(g)).toBe(g);
  });

  it.each(Object.entries(VALID_DETAILS))('accepts a valid %s record', (type, detail) => {
    expect(isValidRecord(action(type, detail))).toBe(true);
  });

  it.each([
    ['offset timestamp', { timestamp: '2026-03-29T14:00:00.123456+02:00' }],
    ['URI agent_id (spiffe)', { agent_id: 'spiffe://example.org/agent/7' }],
    ['SemVer with pre-release and build', { agent_version: '2.0.0-rc.1+build.5' }],
    ['record_phase', { record_phase: 'concurrent' }],
    ['every optional field', {
      human_override: { operator_id: 'op-9' },
      risk_score: 0.5,
      model_id: 'model-x',
      input_hash: H('4'),
      output_hash: H('5'),
      latency_ms: 12.5,
      cost_estimate: 0.02,
      sanctions_check: { screened: true },
      jurisdiction: 'EU',
      signature: 'abc_-DEF',
      signer_kid: 'kid-1',
    }],
    ['risk_score bounds 0', { risk_score: 0 }],
    ['risk_score bounds 1', { risk_score: 1 }],
    ['unknown members (preserved)', { x_vendor: { nested: [1, 'two', null] } }],
    ['delegated_by in genesis', { action_detail: { event: 'session_start', delegated_by: { agent_id: 'urn:agent:a', record_id: uuidN(9), entry: H('e') } } }],
  ])('accepts %s', (_name, patch) => {
    const r = { ...genesis(), ...patch };
    expect(recordErrors(r)).toEqual([]);
    expect(validateRecord(r)).toBe(r);
  });

  it('accepts a session_end with session_hash and record_count', () => {
    expect(isValidRecord(action('lifecycle', { event: 'session_end', session_hash: H('6'), record_count: 3 }))).toBe(true);
  });

  it('preserves unknown members untouched', () => {
    const r = { ...genesis(), zz_ext: { a: 1 } };
    expect(validateRecord(r)['zz_ext']).toEqual({ a: 1 });
  });
});

describe('validateRecord: negatives name the field', () => {
  const MANDATORY = [
    'record_id', 'timestamp', 'agent_id', 'agent_version', 'session_id', 'action_type', 'action_detail', 'outcome',
    'trust_level', 'parent_record_id', 'prev_hash',
  ];

  it.each(MANDATORY)('missing %s', (field) => {
    const r = genesis();
    delete r[field];
    expect(badPaths(r)).toContain(`/${field}`);
  });

  it.each<[string, Obj]>([
    ['record_id', { record_id: 'not-a-uuid' }],
    ['record_id', { record_id: '0b6f1c3e-8a4d-1c1e-9f2a-3d5b7c9e1a20' }], // version 1
    ['record_id', { record_id: '0b6f1c3e-8a4d-4c1e-7f2a-3d5b7c9e1a20' }], // bad variant
    ['record_id', { record_id: '0B6F1C3E-8A4D-4C1E-9F2A-3D5B7C9E1A20' }], // not canonical lowercase
    ['record_id', { record_id: 'urn:uuid:0b6f1c3e-8a4d-4c1e-9f2a-3d5b7c9e1a20' }],
    ['timestamp', { timestamp: '2026-03-29T12:00:00' }], // no offset
    ['timestamp', { timestamp: '2026-03-29 12:00:00Z' }],
    ['timestamp', { timestamp: '2026-02-30T12:00:00Z' }],
    ['timestamp', { timestamp: '2026-03-29T24:00:00Z' }],
    ['timestamp', { timestamp: 1711713600 }],
    ['agent_id', { agent_id: 'bot 1' }],
    ['agent_id', { agent_id: '' }],
    ['agent_version', { agent_version: '1.0' }],
    ['agent_version', { agent_version: 'v1.0.0' }],
    ['agent_version', { agent_version: '01.0.0' }],
    ['session_id', { session_id: '5a1f2b3c4d5e4f608a7b9c0d1e2f3a4b' }],
    ['action_type', { action_type: 'teleport' }],
    ['action_detail', { action_detail: {} }],
    ['action_detail', { action_detail: 'session_start' }],
    ['outcome', { outcome: 'ok' }],
    ['trust_level', { trust_level: 'L5' }],
    ['trust_level', { trust_level: 'l1' }],
    ['record_phase', { record_phase: 'during' }],
    ['risk_score', { risk_score: 1.5 }],
    ['risk_score', { risk_score: -0.1 }],
    ['risk_score', { risk_score: '0.5' }],
    ['input_hash', { input_hash: H('A') }], // upper-case hex
    ['output_hash', { output_hash: 'abcd' }],
    ['latency_ms', { latency_ms: -1 }],
    ['model_id', { model_id: 7 }],
    ['jurisdiction', { jurisdiction: '' }],
    ['signature', { signature: 'abc=' }], // padded
    ['signature', { signature: 'a+b/' }], // not url-safe
    ['signer_kid', { signer_kid: 3 }],
    ['human_override', { human_override: 'yes' }],
    ['action_detail/delegated_by/entry', { action_detail: { event: 'session_start', delegated_by: { agent_id: 'urn:agent:a', record_id: uuidN(9), entry: 'x' } } }],
    ['action_detail/delegated_by/record_id', { action_detail: { event: 'session_start', delegated_by: { agent_id: 'urn:agent:a', entry: H('e') } } }],
  ])('bad %s', (field, patch) => {
    expect(badPaths({ ...genesis(), ...patch })).toContain(`/${field}`);
  });

  it('genesis links must be null', () => {
    expect(badPaths({ ...genesis(), parent_record_id: uuidN(1) })).toContain('/parent_record_id');
    expect(badPaths({ ...genesis(), prev_hash: H('a') })).toContain('/prev_hash');
  });

  it('non-genesis links must not be null', () => {
    const r = action('decision', { decision_type: 'x' }, { parent_record_id: null, prev_hash: null });
    expect(badPaths(r)).toEqual(expect.arrayContaining(['/parent_record_id', '/prev_hash']));
  });

  it.each<[string, Obj]>([
    ['parent_record_id', { parent_record_id: 'nope' }],
    ['prev_hash', { prev_hash: H('a').toUpperCase() }],
    ['prev_hash', { prev_hash: H('a').slice(1) }],
  ])('bad link %s', (field, patch) => {
    expect(badPaths(action('decision', { decision_type: 'x' }, patch))).toContain(`/${field}`);
  });

  // Every action_type: each required action_detail member, removed in turn, is named.
  const REQUIRED_CASES = Object.entries(VALID_DETAILS).flatMap(([type, detail]) =>
    Object.keys(detail).map((k) => [type, k] as const),
  );
  it.each(REQUIRED_CASES)('%s without action_detail.%s', (type, member) => {
    const detail = { ...VALID_DETAILS[type] };
    delete detail[member];
    if (Object.keys(detail).length === 0) detail['note'] = 'keep the object non-empty';
    expect(badPaths(action(type, detail))).toContain(`/action_detail/${member}`);
  });

  it.each<[string, string, unknown]>([
    ['tool_call', 'tool_name', ''],
    ['tool_call', 'parameters_hash', 'xyz'],
    ['tool_response', 'parent_call_id', 'call-1'],
    ['tool_response', 'response_hash', 42],
    ['decision', 'decision_type', ''],
    ['delegation', 'delegate_agent_id', 'not a uri'],
    ['delegation', 'delegate_trust_level', 'L9'],
    ['delegation', 'task_description_hash', H('g')],
    ['escalation', 'escalation_target', ''],
    ['error', 'recoverable', 'no'],
    ['error', 'error_code', ''],
    ['lifecycle', 'event', 'reboot'],
  ])('%s with bad action_detail.%s', (type, member, value) => {
    const detail = { ...VALID_DETAILS[type], [member]: value };
    expect(badPaths(action(type, detail))).toContain(`/action_detail/${member}`);
  });

  it('session_end: session_hash and record_count are checked when present (a close without them is valid)', () => {
    expect(isValidRecord(action('lifecycle', { event: 'session_end' }))).toBe(true);
    expect(badPaths(action('lifecycle', { event: 'session_end', session_hash: H('6'), record_count: 1.5 }))).toContain(
      '/action_detail/record_count',
    );
    expect(badPaths(action('lifecycle', { event: 'session_end', session_hash: 'AB', record_count: 3 }))).toContain('/action_detail/session_hash');
  });

  it('names every bad field at once', () => {
    const r = { ...genesis(), record_id: 'x', outcome: 'meh', trust_level: 'L7', risk_score: 9 };
    expect(badPaths(r)).toEqual(expect.arrayContaining(['/record_id', '/outcome', '/trust_level', '/risk_score']));
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['array', [genesis()]],
    ['string', '{"record_id":1}'],
    ['number', 7],
  ])('rejects a non-object (%s)', (_n, x) => {
    expect(badPaths(x)).toContain('');
  });

  it.each<[string, Obj]>([
    ['NaN', { risk_score: Number.NaN }],
    ['undefined member', { model_id: undefined }],
    ['function', { model_id: () => 1 }],
    ['Date', { x_when: new Date(0) }],
    ['bigint', { x_n: 1n }],
  ])('rejects non-JSON values (%s)', (_n, patch) => {
    expect(badPaths({ ...genesis(), ...patch }).length).toBeGreaterThan(0);
  });
});

describe('validateRecord: draft strictness', () => {
  it('-00 default accepts a record without record_phase', () => {
    expect(isValidRecord(genesis())).toBe(true);
    expect(isValidRecord(genesis(), { draft: 0 })).toBe(true);
  });

  it.each([1, 4, 6])('draft -0%i requires record_phase', (draft) => {
    expect(badPaths(genesis(), { draft })).toContain('/record_phase');
    expect(isValidRecord({ ...genesis(), record_phase: 'concurrent' }, { draft })).toBe(true);
  });

  it.each([-1, 7, 1.5])('rejects draft option %s', (draft) => {
    try {
      validateRecord(genesis(), { draft });
      throw new Error('expected a throw');
    } catch (e) {
      expect(isAtlogError(e, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });
});
