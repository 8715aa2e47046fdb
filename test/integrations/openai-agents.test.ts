import { Agent, Runner } from '@openai/agents';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditedTool } from '../../src/integrations/openai-agents/index.js';
import { openSession } from '../../src/sdk/node.js';
import { makeAgent } from '../http/helpers.js';
import { sessionInLog, useService } from '../sdk/helpers.js';
import { ScriptedAgentModel, sha } from './helpers.js';

/**
 * The OpenAI Agents SDK adapter end to end: the SDK's real Runner loop with a scripted Model that asks for three
 * tool calls (one the local policy denies, one that fails), a real atlog service, the bundle verified offline.
 */

describe('atlog/openai-agents: auditedTool', () => {
  const agent = makeAgent('Ed25519');
  const svc = useService([agent]);

  it('records each tool call in three phases; a denied call never runs and the model is told so', async () => {
    const session = await openSession({
      url: svc.url,
      agentId: agent.agentId,
      key: agent.key,
      tier: 'bounded',
      policy: { rules: [{ name: 'no-deletes', rule: 'deny tool_call where tool_name matches "delete_*"' }] },
    });
    const ran: string[] = [];
    const tool = auditedTool(session, { recordErrors: true });
    const lookup = tool({
      name: 'lookup_order',
      description: 'Finds an order',
      parameters: z.object({ id: z.string() }),
      execute: async ({ id }) => {
        ran.push(`lookup_order ${id}`);
        return JSON.stringify({ id, total: 42 });
      },
    });
    const deleteOrder = tool({
      name: 'delete_order',
      description: 'Deletes an order',
      parameters: z.object({ id: z.string() }),
      execute: async ({ id }) => {
        ran.push(`delete_order ${id}`);
        return 'deleted';
      },
    });
    const ship = tool({
      name: 'ship',
      description: 'Ships an order',
      parameters: z.object({ id: z.string() }),
      execute: async ({ id }): Promise<string> => {
        ran.push(`ship ${id}`);
        throw new Error('carrier down');
      },
    });
    const model = new ScriptedAgentModel([
      [{ id: 'fc-1', name: 'lookup_order', input: { id: 'A7' } }],
      [{ id: 'fc-2', name: 'delete_order', input: { id: 'A7' } }],
      [{ id: 'fc-3', name: 'ship', input: { id: 'A7' } }],
    ], 'Order A7 found; it could not be shipped.');
    const support = new Agent({ name: 'support', instructions: 'Help with orders.', model, tools: [lookup, deleteOrder, ship] });
    const result = await new Runner({ tracingDisabled: true }).run(support, 'Where is order A7?');

    expect(result.finalOutput).toBe('Order A7 found; it could not be shipped.');
    expect(ran).toEqual(['lookup_order A7', 'ship A7']); // the denied tool never ran
    const outputs = result.newItems.filter((i) => i.type === 'tool_call_output_item').map((i) => String((i as { output: unknown }).output));
    expect(outputs[0]).toBe('{"id":"A7","total":42}');
    expect(outputs[1]).toContain('denied'); // the SDK's errorFunction told the model
    expect(outputs[2]).toContain('carrier down');

    const summary = await session.close();
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(records).toHaveLength(summary.records);
    expect(records.map((r) => [r['action_type'], r['outcome'], (r['action_detail'] as Record<string, unknown>)['tool_name'] ?? null])).toEqual([
      ['lifecycle', 'success', null],
      ['decision', 'success', 'lookup_order'],
      ['tool_call', 'success', 'lookup_order'],
      ['tool_response', 'success', 'lookup_order'],
      ['decision', 'denied', 'delete_order'],
      ['decision', 'success', 'ship'],
      ['tool_call', 'success', 'ship'],
      ['error', 'failure', 'ship'],
      ['lifecycle', 'success', null],
    ]);
    expect(records[2]!['action_detail']).toMatchObject({ tool_call_id: 'fc-1', parameters_hash: sha({ id: 'A7' }) });
    expect(records[3]!['action_detail']).toMatchObject({ tool_call_id: 'fc-1', response_hash: sha('{"id":"A7","total":42}'), parent_call_id: records[2]!['record_id'] });
    expect(records[4]!['action_detail']).toMatchObject({ tool_call_id: 'fc-2', rule: 'no-deletes' });
    expect(records[7]!['action_detail']).toMatchObject({ tool_call_id: 'fc-3', error_code: 'Error', error_message: 'carrier down' });
  });

  it('a tool named after its execute function keeps that name', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key });
    const t = auditedTool(session)({ description: 'x', parameters: z.object({}), execute: async function get_time() { return 'noon'; } });
    expect(t.name).toBe('get_time');
    await session.close();
  });
});
