import { generateText, stepCountIs, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditTools } from '../../src/integrations/ai-sdk/index.js';
import { openSession } from '../../src/sdk/node.js';
import { makeAgent } from '../http/helpers.js';
import { QUICK, sessionInLog, useService } from '../sdk/helpers.js';
import { scriptedAiModel, sha } from './helpers.js';

/**
 * The Vercel AI SDK adapter end to end: the real `generateText` loop of `ai` 6 with a scripted MockLanguageModelV3
 * (ai/test) that asks for three tool calls (one the local policy denies, one that fails), a real atlog service,
 * and the session bundle verified offline.
 */

describe('atlog/ai: auditTools', () => {
  const agent = makeAgent('ESP256');
  const svc = useService([agent]);

  it('records each tool call in three phases; a denied call never runs and the model sees a tool error', async () => {
    const session = await openSession({
      url: svc.url,
      agentId: agent.agentId,
      key: agent.key,
      policy: { rules: [{ name: 'no-deletes', rule: 'deny tool_call where tool_name matches "delete_*"' }] },
    });
    const ran: string[] = [];
    const tools = auditTools(session, {
      get_weather: tool({
        description: 'Weather in a city',
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => {
          ran.push(`get_weather ${city}`);
          return { city, celsius: 21 };
        },
      }),
      delete_file: tool({
        description: 'Deletes a file',
        inputSchema: z.object({ path: z.string() }),
        execute: async ({ path }) => {
          ran.push(`delete_file ${path}`);
          return 'deleted';
        },
      }),
      read_file: tool({
        description: 'Reads a file',
        inputSchema: z.object({ path: z.string() }),
        execute: async ({ path }): Promise<string> => {
          ran.push(`read_file ${path}`);
          throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        },
      }),
    }, { tools: { get_weather: { recordArgs: true } } });

    const model = scriptedAiModel([
      [{ id: 'call-1', name: 'get_weather', input: { city: 'Paris' } }],
      [{ id: 'call-2', name: 'delete_file', input: { path: '/etc/passwd' } }, { id: 'call-3', name: 'read_file', input: { path: '/missing' } }],
    ], 'Paris is 21 degrees.');
    const result = await generateText({ model, tools, prompt: 'Weather in Paris?', stopWhen: stepCountIs(5) });

    expect(result.text).toBe('Paris is 21 degrees.');
    expect(ran).toEqual(['get_weather Paris', 'read_file /missing']); // the denied tool never ran
    // What the model was told: the weather, and two tool errors (the denial and the failure).
    const parts = result.steps.flatMap((s) => s.content);
    expect(parts.find((p) => p.type === 'tool-result')).toMatchObject({ toolCallId: 'call-1', output: { city: 'Paris', celsius: 21 } });
    const errors = parts.filter((p) => p.type === 'tool-error');
    expect(errors.map((e) => e.toolCallId)).toEqual(['call-2', 'call-3']);
    expect((errors[0] as { error: { code?: string } }).error.code).toBe('ERR_POLICY_DENIED');

    const summary = await session.close();
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(records).toHaveLength(summary.records);
    const shape = records.map((r) => [r['action_type'], r['outcome'], (r['action_detail'] as Record<string, unknown>)['tool_name'] ?? null]);
    expect(shape).toEqual([
      ['lifecycle', 'success', null],
      ['decision', 'success', 'get_weather'],
      ['tool_call', 'success', 'get_weather'],
      ['tool_response', 'success', 'get_weather'],
      ['decision', 'denied', 'delete_file'],
      ['decision', 'success', 'read_file'],
      ['tool_call', 'success', 'read_file'],
      ['error', 'failure', 'read_file'],
      ['lifecycle', 'success', null],
    ]);
    expect(records[2]!['action_detail']).toMatchObject({ tool_call_id: 'call-1', parameters_hash: sha({ city: 'Paris' }), parameters: { city: 'Paris' } });
    expect(records[3]!['action_detail']).toMatchObject({ tool_call_id: 'call-1', response_hash: sha({ city: 'Paris', celsius: 21 }), parent_call_id: records[2]!['record_id'] });
    expect(records[4]!['action_detail']).toMatchObject({ tool_call_id: 'call-2', rule: 'no-deletes', parameters_hash: sha({ path: '/etc/passwd' }) });
    expect(records[6]!['action_detail']).not.toHaveProperty('parameters'); // recordArgs was for get_weather only
    expect(records[7]!['action_detail']).toMatchObject({ tool_call_id: 'call-3', error_code: 'ENOENT', error_message: 'Error' });
  });

  it('a streaming tool streams unchanged and its response covers the last value; tools without execute pass through', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key });
    const client = tool({ description: 'answered by the client', inputSchema: z.object({}) });
    const tools = auditTools(session, {
      progress: tool({
        description: 'counts',
        inputSchema: z.object({ to: z.number() }),
        async *execute({ to }) {
          for (let i = 1; i <= to; i++) yield { done: i };
        },
      }),
      client,
    });
    expect(tools.client).toBe(client);
    const model = scriptedAiModel([[{ id: 's-1', name: 'progress', input: { to: 3 } }]], 'done');
    const result = await generateText({ model, tools: { progress: tools.progress }, prompt: 'count', stopWhen: stepCountIs(3) });
    expect(result.steps.flatMap((s) => s.content).find((p) => p.type === 'tool-result')).toMatchObject({ output: { done: 3 } });
    await session.close();
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(records[3]).toMatchObject({ action_type: 'tool_response', action_detail: { tool_name: 'progress', response_hash: sha({ done: 3 }) } });
  });

  it('the bounded tier: with the service down, the tool does not run and the model sees ERR_SDK_UNREACHABLE', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key, tier: 'bounded', client: QUICK, retryMs: 50, maxRetryMs: 200 });
    let ran = false;
    const tools = auditTools(session, {
      transfer: tool({ description: 'moves money', inputSchema: z.object({ amount: z.number() }), execute: async () => (ran = true) }),
    });
    await svc.stop();
    try {
      const result = await generateText({ model: scriptedAiModel([[{ id: 'b-1', name: 'transfer', input: { amount: 5 } }]], 'not done'), tools, prompt: 'pay', stopWhen: stepCountIs(3) });
      expect(result.steps.flatMap((s) => s.content).find((p) => p.type === 'tool-error')).toMatchObject({ toolCallId: 'b-1', error: { code: 'ERR_SDK_UNREACHABLE' } });
    } finally {
      await svc.start();
    }
    expect(ran).toBe(false);
    await session.close();
    const { report, records } = await sessionInLog(svc, agent.agentId, session.sessionId);
    expect(report.valid, JSON.stringify(report.failure)).toBe(true);
    expect(records.map((r) => r['action_type'])).toEqual(['lifecycle', 'decision', 'tool_call', 'error', 'lifecycle']);
    expect(records[3]).toMatchObject({ action_detail: { error_code: 'ERR_SDK_UNREACHABLE', error_category: 'enforcement' } });
  });

  it('refuses tools that are not an object', async () => {
    const session = await openSession({ url: svc.url, agentId: agent.agentId, key: agent.key });
    expect(() => auditTools(session, null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await session.close();
  });
});

