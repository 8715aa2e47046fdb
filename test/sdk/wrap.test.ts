import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, type AatRecord } from '../../src/aat/index.js';
import { isAtlogError } from '../../src/errors.js';
import { UNHASHABLE, valueHash, type Session } from '../../src/sdk/index.js';
import { openSession } from '../../src/sdk/node.js';
import { rejection } from '../helpers/errors.js';
import { makeAgent } from '../http/helpers.js';
import { sessionInLog, startService, type TestService } from './helpers.js';

/** session.wrap and session.beginCall: the three phases, what passes through untouched, what is recorded. */

const seen: AatRecord[] = [];
const sha = (v: unknown): string => createHash('sha256').update(canonicalBytes(v as never)).digest('hex');

describe('three-phase tool calls', () => {
  const agent = makeAgent('ESP256');
  let svc: TestService;
  let session: Session<'detectable'>;

  beforeAll(async () => {
    // The service has a rule of its own; the local policy names the same file format's rules.
    svc = await startService([agent]);
    session = await openSession({
      url: svc.url,
      agentId: agent.agentId,
      key: agent.key,
      onRecord: (r) => seen.push(r),
      policy: { rules: [{ name: 'no-deletes', rule: 'deny tool_call where tool_name matches "delete_*"' }, { name: 'no-prod-shell', rule: 'deny tool_call where tool_name == "shell" and detail.env == "prod"' }] },
    });
  });
  afterAll(async () => {
    await svc.destroy();
  });

  it('a sync tool stays sync; decision, tool_call and tool_response chain; parameters_hash is SHA-256(JCS(args))', async () => {
    const add = session.wrap('add', (a: number, b: number) => a + b);
    const out = add(2, 3);
    expect(out).toBe(5); // not a promise
    const [decision, call, response] = lastRecords(session, 3);
    expect(decision).toMatchObject({ action_type: 'decision', outcome: 'success', record_phase: 'pre_execution', action_detail: { decision_type: 'policy_check', tool_name: 'add', result: 'allow' } });
    expect(call).toMatchObject({ action_type: 'tool_call', record_phase: 'pre_execution', action_detail: { tool_name: 'add', parameters_hash: sha([2, 3]) } });
    expect(response).toMatchObject({ action_type: 'tool_response', record_phase: 'post_execution', action_detail: { tool_name: 'add', response_hash: sha(5), parent_call_id: call!.record_id } });
    expect(response!['latency_ms']).toBeGreaterThanOrEqual(0);
    expect(call!.action_detail).not.toHaveProperty('parameters');
    expect(response!.action_detail).not.toHaveProperty('response');
  });

  it('an async tool stays async; its value and its exception pass through untouched', async () => {
    const value = { deep: [1, { x: 'y' }] };
    const fetchIt = session.wrap('fetch', async (q: string) => (q === 'ok' ? value : Promise.reject(failure)));
    const failure = Object.assign(new Error('secret details: token=abc'), { code: 'E_UPSTREAM' });
    const p = fetchIt('ok');
    expect(p).toBeInstanceOf(Promise);
    expect(await p).toBe(value); // the same object
    expect(await fetchIt('bad').then(() => undefined, (e: unknown) => e)).toBe(failure);
    const [, call, err] = lastRecords(session, 3);
    expect(err).toMatchObject({ action_type: 'error', outcome: 'failure', record_phase: 'post_execution', action_detail: { tool_name: 'fetch', parent_call_id: call!.record_id, error_code: 'E_UPSTREAM', error_message: 'Error', error_category: 'tool_error', recoverable: false } });
    expect(JSON.stringify(err)).not.toContain('token=abc'); // messages are not recorded unless asked for
  });

  it('a sync throw is rethrown as the same object and recorded as an error; `this` reaches the tool', () => {
    const thrown = new TypeError('bad input');
    const obj = { factor: 3, times: session.wrap('times', function (this: { factor: number }, n: number) { if (n < 0) throw thrown; return n * this.factor; }) };
    expect(obj.times(2)).toBe(6);
    let caught: unknown;
    try {
      obj.times(-1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(thrown);
    expect(lastRecords(session, 1)[0]).toMatchObject({ action_type: 'error', action_detail: { error_code: 'TypeError', error_message: 'TypeError' } });
  });

  it('a denied call never runs: a denied decision names the rule, no tool_call, ERR_POLICY_DENIED', () => {
    let ran = false;
    const del = session.wrap('delete_user', (_id: number) => {
      ran = true;
    });
    const before = session.recordCount;
    let err: unknown;
    try {
      del(7);
    } catch (e) {
      err = e;
    }
    expect(ran).toBe(false);
    expect(isAtlogError(err, 'ERR_POLICY_DENIED')).toBe(true);
    expect((err as { details: unknown }).details).toMatchObject({ rule: 'no-deletes' });
    expect(session.recordCount).toBe(before + 1);
    expect(session.lastRecord).toMatchObject({ action_type: 'decision', outcome: 'denied', record_phase: 'pre_execution', action_detail: { tool_name: 'delete_user', result: 'deny', rule: 'no-deletes', parameters_hash: sha([7]) } });
    // Rules see the per-tool detail.
    const shell = (env: string): (() => string) => session.wrap('shell', () => 'ran', { detail: { env } });
    expect(shell('dev')()).toBe('ran');
    expect(() => shell('prod')()).toThrow(expect.objectContaining({ code: 'ERR_POLICY_DENIED', details: expect.objectContaining({ rule: 'no-prod-shell' }) }));
  });

  it('raw arguments, results and error messages are recorded only with the per-tool opt-in', async () => {
    const echo = session.wrap('echo', (x: { q: string }) => ({ got: x.q }), { recordArgs: true, recordResult: true, parameters: (x) => x });
    echo({ q: 'hello' });
    const [, call, response] = lastRecords(session, 3);
    expect(call!.action_detail).toMatchObject({ parameters: { q: 'hello' }, parameters_hash: sha({ q: 'hello' }) });
    expect(response!.action_detail).toMatchObject({ response: { got: 'hello' }, response_hash: sha({ got: 'hello' }) });
    const noisy = session.wrap('noisy', () => {
      throw new Error('the message');
    }, { recordErrors: true });
    expect(() => noisy()).toThrow('the message');
    expect(lastRecords(session, 1)[0]!.action_detail).toMatchObject({ error_message: 'the message' });
  });

  it('values without a JSON form are hashed as a marker, never refused; undefined is null', () => {
    expect(valueHash(undefined).hash).toBe(sha(null));
    expect(valueHash([undefined, () => 1]).hash).toBe(sha([null, null]));
    expect(valueHash({ a: undefined, b: 1 }).hash).toBe(sha({ b: 1 }));
    expect(valueHash(10n)).toEqual({ hash: sha(UNHASHABLE), json: undefined });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const big = session.wrap('big', (x: unknown) => typeof x);
    expect(big(cyclic)).toBe('object');
    expect(lastRecords(session, 2)[0]!.action_detail).toMatchObject({ parameters_hash: sha(UNHASHABLE) });
  });

  it('beginCall: a proxy records the three phases from outside; end or fail once', async () => {
    const call = session.beginCall('remote.search', { query: 'x' }, { detail: { server: 'mcp-1' } });
    expect(call.denial).toBeUndefined();
    await call.ready();
    const r = call.end({ hits: 2 });
    expect(r).toMatchObject({ action_type: 'tool_response', action_detail: { tool_name: 'remote.search', server: 'mcp-1', parent_call_id: call.call!.record_id, response_hash: sha({ hits: 2 }) } });
    expect(() => call.end(1)).toThrow(expect.objectContaining({ code: 'ERR_SDK_CALL_STATE' }));
    expect(() => call.fail(new Error('x'))).toThrow(expect.objectContaining({ code: 'ERR_SDK_CALL_STATE' }));
    const denied = session.beginCall('delete_all', {});
    expect(denied.denial?.code).toBe('ERR_POLICY_DENIED');
    expect((await rejection(denied.ready())).code).toBe('ERR_POLICY_DENIED');
    expect(() => denied.end(1)).toThrow(expect.objectContaining({ code: 'ERR_SDK_CALL_STATE' }));
    expect(() => session.beginCall('', {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('everything above is in the log, in order, and the closed session verifies', async () => {
    const summary = await session.close();
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(records).toHaveLength(summary.records);
    expect(records.filter((r) => r['action_type'] === 'tool_call')).toHaveLength(records.filter((r) => r['action_type'] === 'decision' && r['outcome'] === 'success').length);
  });
});

/** The last `n` records of the session (seen through onRecord). */
function lastRecords(_session: Session, n: number): AatRecord[] {
  return seen.slice(-n);
}
