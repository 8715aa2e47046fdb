import { genesisRecord, nextRecord, sessionEndRecord, type AatRecord, type DelegatedBy, type TrustLevel } from '../../src/aat/index.js';
import { createClient } from '../../src/client/index.js';
import { toHex } from '../../src/util/bytes.js';
import { statementEntryHash, statementFacts } from '../../src/verify/entry.js';
import { aatStatement, type Agent } from '../http/helpers.js';

/**
 * A small real delegation chain A -> B -> C registered on a running service, one statement per record in the
 * order the agents act: A works and delegates to B (one trust level less), B works, fails once and delegates to
 * C, C works and escalates to a person; every session ends with a session_end that commits to it (AAT -06).
 */

export interface ChainSession {
  agent: Agent;
  records: AatRecord[];
  /** Lowercase hex log entry hash of each record's statement. */
  entries: string[];
}

export interface Chain {
  a: ChainSession;
  b: ChainSession;
  c: ChainSession;
}

class Writer {
  readonly s: ChainSession;
  constructor(
    private readonly client: ReturnType<typeof createClient>,
    agent: Agent,
  ) {
    this.s = { agent, records: [], entries: [] };
  }

  async add(r: AatRecord): Promise<void> {
    const { bytes } = aatStatement(this.s.agent, r);
    await this.client.register(bytes);
    this.s.records.push(r);
    this.s.entries.push(toHex(statementEntryHash(statementFacts(bytes).sign1)));
  }

  async start(trust: TrustLevel, delegatedBy?: DelegatedBy): Promise<void> {
    await this.add(genesisRecord({ agentId: this.s.agent.agentId, agentVersion: '1.0.0', trustLevel: trust, ...(delegatedBy ? { delegatedBy } : {}) }));
  }

  async tool(name: string, outcome: 'success' | 'failure' = 'success'): Promise<void> {
    await this.add(nextRecord(this.s.records.at(-1)!, { action_type: 'tool_call', action_detail: { tool_name: name, parameters_hash: 'cd'.repeat(32) }, outcome }));
  }

  /** A delegation to `to` at `trust`; returns the link the delegate's genesis names. */
  async delegate(to: Agent, trust: TrustLevel): Promise<DelegatedBy> {
    const detail = { delegate_agent_id: to.agentId, delegate_trust_level: trust, task_description_hash: 'ab'.repeat(32) };
    await this.add(nextRecord(this.s.records.at(-1)!, { action_type: 'delegation', action_detail: detail }));
    return { agent_id: this.s.agent.agentId, record_id: this.s.records.at(-1)!.record_id, entry: this.s.entries.at(-1)! };
  }

  async escalate(reason: string): Promise<void> {
    await this.add(nextRecord(this.s.records.at(-1)!, { action_type: 'escalation', action_detail: { escalation_reason: reason, escalation_target: 'urn:person:example:reviewer' }, outcome: 'escalated' }));
  }

  async end(): Promise<void> {
    await this.add(sessionEndRecord(this.s.records));
  }
}

/** Registers the chain on the service at `url`; the agents must be trusted by its policy. */
export async function registerChain(url: string, agents: readonly [Agent, Agent, Agent]): Promise<Chain> {
  const client = createClient({ url });
  const [a, b, c] = agents.map((g) => new Writer(client, g)) as [Writer, Writer, Writer];
  await a.start('L3');
  await a.tool('search_flights');
  await a.tool('read_calendar');
  const toB = await a.delegate(b.s.agent, 'L2');
  await b.start('L2', toB);
  await b.tool('compare_prices');
  await b.tool('book_flight', 'failure');
  await b.tool('book_flight');
  const toC = await b.delegate(c.s.agent, 'L1');
  await a.tool('send_summary');
  await c.start('L1', toC);
  await c.tool('issue_invoice');
  await c.escalate('amount above the approval limit');
  await c.end();
  await b.end();
  await a.end();
  return { a: a.s, b: b.s, c: c.s };
}
