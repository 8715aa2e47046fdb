/**
 * What the report shows of the records themselves, gathered in one pass over an evidence file's AAT records
 * (in log order) in bounded memory: per session, the events its timeline draws, and over all records, which of
 * the fields EU AI Act Article 12(3) asks about they carry. Records are attacker-controlled; this only reads
 * strings and numbers of the expected types and ignores everything else. No I/O.
 */

/** One event on a session's timeline. */
export interface TimelineEvent {
  /** Log index of the record. */
  index: number;
  /** The record's own timestamp (the agent's claim), as written. */
  at: string;
  action: string;
  outcome: string;
  /** A short description from action_detail (tool name, error message, event...), untrusted text. */
  note: string;
  /** Failures, denials, escalations, delegations, human overrides, lifecycle events. */
  notable: boolean;
}

export interface SessionDetail {
  agent: string;
  session: string;
  /** Records of the session seen. */
  records: number;
  /** Events to draw, in log order: every notable one (up to a limit) and a regular sample of the others. */
  events: TimelineEvent[];
  /** Events not kept (the sample thins out as a session grows). */
  omitted: number;
  /** session_start / session_end record timestamps, when present. */
  started: string | null;
  ended: string | null;
}

/** How many records carry each field the compliance mapping talks about. */
export interface FieldCounts {
  records: number;
  sessionStart: number;
  sessionEnd: number;
  inputHash: number;
  outputHash: number;
  humanOverride: number;
  escalation: number;
  modelId: number;
  toolCall: number;
  error: number;
  riskScore: number;
  jurisdiction: number;
  delegation: number;
}

export interface ReportDetails {
  sessions: SessionDetail[];
  /** Records of sessions beyond SESSIONS_LIMIT: counted in `fields`, not drawn. */
  recordsOfOmittedSessions: number;
  fields: FieldCounts;
  /** Records per outcome (success, failure, timeout, denied, escalated, other). */
  outcomes: Record<string, number>;
  /** Records per action_type. */
  actions: Record<string, number>;
  /** Distinct tool names (at most TOOLS_LIMIT listed) and how many there were. */
  tools: { names: string[]; distinct: number };
}

export const SESSIONS_LIMIT = 200;
export const NOTABLE_LIMIT = 100;
export const SAMPLE_LIMIT = 200;
export const TOOLS_LIMIT = 50;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const OUTCOMES = new Set(['success', 'failure', 'timeout', 'denied', 'escalated']);

/** The first of these action_detail strings that is present: what the event was about. */
const NOTE_FIELDS = ['event', 'tool_name', 'error_code', 'error_message', 'decision_type', 'escalation_reason', 'escalation_target', 'delegate_agent_id'];

function noteOf(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const f of NOTE_FIELDS) {
    const v = str(detail[f]);
    if (v !== undefined && v !== '') parts.push(v);
    if (parts.length === 2) break;
  }
  return parts.join(': ').slice(0, 200);
}

interface Building extends SessionDetail {
  stride: number;
  notableKept: number;
}

/** Collects ReportDetails from records fed in log order. */
export class RecordDigest {
  private readonly sessions = new Map<string, Building>();
  private recordsOfOmittedSessions = 0;
  private readonly fields: FieldCounts = {
    records: 0, sessionStart: 0, sessionEnd: 0, inputHash: 0, outputHash: 0, humanOverride: 0, escalation: 0,
    modelId: 0, toolCall: 0, error: 0, riskScore: 0, jurisdiction: 0, delegation: 0,
  };
  private readonly outcomes: Record<string, number> = {};
  private readonly actions: Record<string, number> = {};
  private readonly tools = new Set<string>();
  private toolsDistinct = 0;

  /** Adds one record (a parsed AAT record, untrusted) at its log index. Anything that is not a record is ignored. */
  add(record: unknown, index: number): void {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return;
    const r = record as Record<string, unknown>;
    const agent = str(r.agent_id);
    const session = str(r.session_id);
    if (agent === undefined || session === undefined) return;
    const action = str(r.action_type) ?? '(none)';
    const outcomeRaw = str(r.outcome) ?? '';
    const outcome = OUTCOMES.has(outcomeRaw) ? outcomeRaw : 'other';
    const d = typeof r.action_detail === 'object' && r.action_detail !== null && !Array.isArray(r.action_detail) ? (r.action_detail as Record<string, unknown>) : {};
    this.count(r, d, action, outcome);

    const s = this.session(agent, session);
    if (s === undefined) return;
    s.records++;
    const at = str(r.timestamp) ?? '';
    if (action === 'lifecycle' && d.event === 'session_start') s.started ??= at;
    if (action === 'lifecycle' && d.event === 'session_end') s.ended = at;
    const notable = outcome !== 'success' || ['delegation', 'escalation', 'error', 'lifecycle'].includes(action) || r.human_override !== undefined;
    const ev: TimelineEvent = { index, at, action, outcome, note: noteOf(d), notable };
    if (notable && s.notableKept < NOTABLE_LIMIT) {
      s.notableKept++;
      s.events.push(ev);
    } else if (!notable && (s.records - 1) % s.stride === 0) {
      s.events.push(ev);
      // keep at most SAMPLE_LIMIT regular events: when full, drop every other one and sample half as often
      if (s.events.length - s.notableKept > SAMPLE_LIMIT) {
        let k = 0;
        s.events = s.events.filter((e) => e.notable || k++ % 2 === 0);
        s.omitted += SAMPLE_LIMIT + 1 - (s.events.length - s.notableKept);
        s.stride *= 2;
      }
    } else {
      s.omitted++;
    }
  }

  private count(r: Record<string, unknown>, d: Record<string, unknown>, action: string, outcome: string): void {
    const f = this.fields;
    f.records++;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.actions[action] = (this.actions[action] ?? 0) + 1;
    if (action === 'lifecycle' && d.event === 'session_start') f.sessionStart++;
    if (action === 'lifecycle' && d.event === 'session_end') f.sessionEnd++;
    if (str(r.input_hash)) f.inputHash++;
    if (str(r.output_hash)) f.outputHash++;
    if (r.human_override !== undefined && r.human_override !== null) f.humanOverride++;
    if (action === 'escalation') f.escalation++;
    if (str(r.model_id)) f.modelId++;
    if (action === 'error') f.error++;
    if (typeof r.risk_score === 'number') f.riskScore++;
    if (str(r.jurisdiction)) f.jurisdiction++;
    if (action === 'delegation') f.delegation++;
    if (action === 'tool_call') {
      f.toolCall++;
      const tool = str(d.tool_name);
      if (tool !== undefined && !this.tools.has(tool)) {
        this.toolsDistinct++;
        if (this.tools.size < TOOLS_LIMIT) this.tools.add(tool);
      }
    }
  }

  private session(agent: string, session: string): Building | undefined {
    const key = `${agent} ${session}`;
    let s = this.sessions.get(key);
    if (s === undefined) {
      if (this.sessions.size >= SESSIONS_LIMIT) {
        this.recordsOfOmittedSessions++;
        return undefined;
      }
      s = { agent, session, records: 0, events: [], omitted: 0, started: null, ended: null, stride: 1, notableKept: 0 };
      this.sessions.set(key, s);
    }
    return s;
  }

  /** The details gathered so far. */
  result(): ReportDetails {
    const sessions = [...this.sessions.values()].map(({ stride: _s, notableKept: _n, ...rest }) => ({ ...rest, events: [...rest.events] }));
    return {
      sessions,
      recordsOfOmittedSessions: this.recordsOfOmittedSessions,
      fields: { ...this.fields },
      outcomes: { ...this.outcomes },
      actions: { ...this.actions },
      tools: { names: [...this.tools].sort(), distinct: this.toolsDistinct },
    };
  }
}
