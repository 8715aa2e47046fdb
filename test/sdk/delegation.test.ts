import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { type DelegationToken } from '../../src/sdk/index.js';
import { openSession } from '../../src/sdk/node.js';
import { verifyDelegation } from '../../src/verify/index.js';
import { rejection } from '../helpers/errors.js';
import { makeAgent } from '../http/helpers.js';
import { sessionInLog, useService } from './helpers.js';

/** Delegation (spec/aat.md section 4): the token, the delegate's genesis link, trust checked locally. */

describe('delegation', () => {
  const lead = makeAgent('ESP256');
  const helper = makeAgent('Ed25519');
  const svc = useService([lead, helper]);

  it('the delegate links back, and both bundles verify as one delegation chain', async () => {
    const a = await openSession({ url: svc.url, agentId: lead.agentId, key: lead.key, trustLevel: 'L3' });
    const token = await a.delegate(helper.agentId, { trustLevel: 'L2', task: { summary: 'triage the inbox' } });
    expect(token).toMatchObject({ agent_id: lead.agentId, delegate_agent_id: helper.agentId, trust_level: 'L2' });
    const b = await openSession({ url: svc.url, agentId: helper.agentId, key: helper.key, delegatedBy: token });
    expect(b.trustLevel).toBe('L2'); // the level given is the default
    b.wrap('read', () => 'mail')();
    await b.close();
    await a.close();
    const { records } = await sessionInLog(svc, helper.agentId, b.sessionId);
    expect(records[0]).toMatchObject({ trust_level: 'L2', action_detail: { delegated_by: { agent_id: lead.agentId, record_id: token.record_id, entry: token.entry } } });
    const client = createClient({ url: svc.url });
    const bundles = [await client.sessionBundle(lead.agentId, a.sessionId), await client.sessionBundle(helper.agentId, b.sessionId)];
    const report = await verifyDelegation(bundles, { serviceKeys: svc.keys, rootAgent: lead.agentId });
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(report.chain).toEqual([lead.agentId, helper.agentId]);
  });

  it('a bare token ({ agent_id, record_id, entry }) is completed from the log', async () => {
    const a = await openSession({ url: svc.url, agentId: lead.agentId, key: lead.key, trustLevel: 'L2' });
    const full = await a.delegate(helper.agentId, { trustLevel: 'L1', task: 'x' });
    const bare: DelegationToken = { agent_id: full.agent_id, record_id: full.record_id, entry: full.entry };
    const b = await openSession({ url: svc.url, agentId: helper.agentId, key: helper.key, delegatedBy: JSON.parse(JSON.stringify(bare)) as DelegationToken });
    expect(b.trustLevel).toBe('L1');
    expect((await rejection(openSession({ url: svc.url, agentId: helper.agentId, key: helper.key, delegatedBy: bare, trustLevel: 'L2' }))).code).toBe('ERR_SDK_TRUST_ESCALATION');
    await b.close();
    await a.close();
  });

  it('refused locally: more trust than given, another delegate, a malformed token, delegating above oneself', async () => {
    const a = await openSession({ url: svc.url, agentId: lead.agentId, key: lead.key, trustLevel: 'L2' });
    const token = await a.delegate(helper.agentId, { trustLevel: 'L1', task: 'x' });
    const open = (o: Record<string, unknown>): Promise<unknown> => openSession({ url: svc.url, agentId: helper.agentId, key: helper.key, ...o } as never);
    const e = await rejection(open({ delegatedBy: token, trustLevel: 'L3' }));
    expect(e.code).toBe('ERR_SDK_TRUST_ESCALATION');
    expect(e.details).toMatchObject({ asked: 'L3', granted: 'L1' });
    expect((await rejection(openSession({ url: svc.url, agentId: lead.agentId, key: lead.key, delegatedBy: token }))).code).toBe('ERR_SDK_DELEGATION');
    expect((await rejection(open({ delegatedBy: { ...token, entry: 'zz' } }))).details).toMatchObject({ reason: 'malformed' });
    expect((await rejection(open({ delegatedBy: { agent_id: lead.agentId, record_id: token.record_id, entry: 'f'.repeat(64) } }))).details).toMatchObject({ reason: 'not_found' });
    expect((await rejection(a.delegate(helper.agentId, { trustLevel: 'L4', task: 'x' }))).code).toBe('ERR_SDK_TRUST_ESCALATION');
    expect((await rejection(a.delegate('not a uri', { trustLevel: 'L1', task: 'x' }))).code).toBe('ERR_INVALID_ARGUMENT');
    await a.close();
  });
});
