import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { OUTCOMES, RECORD_PHASES, TRUST_LEVELS, type AatRecord, type ActionType, type JsonObject, type TrustLevel } from '../aat/types.js';
import { validateRecord } from '../aat/validate.js';
import { createClient } from '../client/index.js';
import { AtlogError, isAtlogError } from '../errors.js';
import type { RecordQueue, SessionQueue } from '../sdk/outbox.js';
import { entryIdOf } from '../sdk/outbox.js';
import { FileQueue, FileSessionQueue } from '../sdk/queue/file-queue.js';
import { createSession, type Session } from '../sdk/session.js';
import { loadKey } from '../sdk/open.js';
import { valueHash } from '../sdk/hashing.js';
import { parseStatement } from '../statements/parse.js';
import { runCommand } from './client-command.js';
import { usageExit2 } from './keygen.js';
import { readState, StateFileQueue, writeState, type SessionState } from './session-state.js';

/**
 * `atlog session start|add|end --state FILE …`: an agent session from the shell (docs/quickstart.md). Each
 * command builds the next record with the SDK (chain, -06 fields, timestamps), signs it, makes it durable (in the
 * state file, or with `--queue DIR` in the file queue `atlog sync` reads) and registers it, then prints its
 * entry id. When the service cannot be reached the record stays durable and the next command (or `atlog sync`)
 * sends it; when the service refuses it, the command undoes it and exits 1.
 */

interface Common {
  state: string;
  url?: string;
  timeout: string;
  statement?: string;
  transparent?: string;
}

function usage(msg: string): AtlogError {
  return new AtlogError('ERR_CLI_USAGE', msg);
}

function json(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw usage(`${flag} must be JSON: ${(e as Error).message}`);
  }
}

function recordOf(statement: Uint8Array): AatRecord {
  return validateRecord(JSON.parse(new TextDecoder().decode(parseStatement(statement).sign1.payload ?? new Uint8Array())));
}

function timeoutMs(t: string): number {
  const s = Number(t);
  if (!Number.isFinite(s) || s <= 0) throw usage(`--timeout must be a positive number of seconds, got "${t}"`);
  return s * 1000;
}

/** A queue that remembers the statement of every record this command appended (for --statement, the entry id). */
function capturing(inner: RecordQueue, seen: Map<string, Uint8Array>, opened: (q: SessionQueue) => void): RecordQueue {
  return {
    open: async (id) => {
      const q = await inner.open(id);
      opened(q);
      return {
        unsent: q.unsent,
        append: async (statements) => {
          for (const st of statements) seen.set(recordOf(st).record_id, st);
          await q.append(statements);
        },
        registered: (n) => q.registered(n),
        close: (done) => q.close(done),
        ...(q.discard ? { discard: () => q.discard!() } : {}),
      };
    },
  };
}

/**
 * Runs one command's step on the session the state describes (`start`: a new one), saves the state, writes
 * what the flags ask for and prints the new record's entry id.
 */
async function step(file: string, state: SessionState, start: boolean, o: Common, act: (s: Session) => Promise<AatRecord>): Promise<void> {
  if (o.url !== undefined) state.url = o.url;
  if (!start && state.closed) throw new AtlogError('ERR_SESSION_STATE', `${file}: the session is closed`);
  const seen = new Map<string, Uint8Array>();
  let opened: SessionQueue | undefined;
  const inner: RecordQueue = state.queue !== undefined ? new FileQueue(state.queue) : { open: async () => new StateFileQueue(file, state, recordOf) };
  const added: AatRecord[] = [];
  const ms = timeoutMs(o.timeout);
  let session: Session | undefined;
  let record: AatRecord;
  try {
    session = await createSession({
      ...(state.url !== undefined ? { url: state.url } : {}),
      client: { timeoutMs: ms, registerTimeoutMs: ms },
      agentId: state.agent_id,
      agentVersion: state.agent_version,
      trustLevel: state.trust_level,
      sessionId: state.session_id,
      key: loadKey(state.key),
      queue: capturing(inner, seen, (q) => (opened = q)),
      onRecord: (r) => added.push(r),
      ...(start ? {} : { resume: { records: state.records } }),
    });
    record = await act(session);
    if (!session.closed) {
      await session.flush();
      await session.stop(); // the next command resumes it
    }
  } catch (e) {
    if (isAtlogError(e, 'ERR_SDK_BROKEN')) await undo(file, state, start, opened);
    await session?.stop().catch(() => undefined);
    throw e;
  }
  if (state.queue !== undefined) {
    for (const r of added) if (!state.records.some((x) => x.record_id === r.record_id)) state.records.push(r);
  }
  const registered = session.progress.registered === session.progress.records;
  if (record.action_type === 'lifecycle' && record.action_detail['event'] === 'session_end') state.closed = true;
  writeState(file, state);
  const statement = seen.get(record.record_id);
  if (statement === undefined) throw new AtlogError('ERR_INTERNAL', 'the record was not signed');
  const entry = entryIdOf(statement);
  if (o.statement) writeFileSync(o.statement, statement);
  if (o.transparent) {
    if (!registered) throw new AtlogError('ERR_SDK_UNREACHABLE', `--transparent: ${entry} is not registered yet`);
    writeFileSync(o.transparent, await createClient({ url: state.url!, timeoutMs: ms }).transparentStatement(entry));
  }
  process.stdout.write(`${entry}\n`);
  if (!registered) {
    const where = state.queue !== undefined
      ? `queued in ${state.queue}; atlog sync --queue ${state.queue} --url URL sends it`
      : `kept in ${file}; the next atlog session command sends it`;
    process.stderr.write(`atlog session: not registered yet (${state.url === undefined ? 'no --url' : `${state.url} cannot be reached`}): ${where}\n`);
  }
}

/** After a refusal: drops what the service will never take (the refused record and anything after it). */
async function undo(file: string, state: SessionState, start: boolean, opened: SessionQueue | undefined): Promise<void> {
  if (state.queue !== undefined) {
    // The session closed its queue handle (createSession) or will: reopen it to cut the refused tail.
    if (opened) await opened.close(false).catch(() => undefined);
    const q = await FileSessionQueue.open(state.queue, state.session_id);
    await q.discard();
    await q.close(start);
    return;
  }
  if (start) {
    if (existsSync(file)) unlinkSync(file);
    return;
  }
  await opened?.discard?.();
}

function common(cmd: Command): Command {
  return usageExit2(cmd)
    .requiredOption('--state <file>', 'the session state file (JSON)')
    .option('--url <url>', 'the transparency service (remembered in the state file)')
    .option('--timeout <seconds>', 'give up on the service after this many seconds', '30')
    .option('--statement <file>', 'also write the Signed Statement (COSE_Sign1) of the new record here')
    .option('--transparent <file>', 'also write its Transparent Statement (statement + receipts) here');
}

interface StartOptions extends Common {
  key: string;
  agent: string;
  agentVersion: string;
  trustLevel: TrustLevel;
  sessionId?: string;
  queue?: string;
  force?: boolean;
}

interface AddOptions extends Common {
  type?: ActionType;
  tool?: string;
  args?: string;
  result?: string;
  call?: string;
  detail?: string;
  outcome?: string;
  phase?: string;
}

/** action_detail and action_type of `session add` from its flags. */
function addFields(o: AddOptions, state: SessionState): { action_type: ActionType; action_detail: JsonObject } {
  const detail = json('--detail', o.detail) ?? {};
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw usage('--detail must be a JSON object');
  const d = { ...(detail as JsonObject) };
  if (o.tool !== undefined) d['tool_name'] = o.tool;
  if (o.args !== undefined) d['parameters_hash'] = valueHash(json('--args', o.args)).hash;
  if (o.result !== undefined) {
    d['response_hash'] = valueHash(json('--result', o.result)).hash;
    const call = o.call === undefined ? [...state.records].reverse().find((r) => r.action_type === 'tool_call') : state.records.find((r) => r.record_id === o.call);
    if (call === undefined) throw usage(o.call === undefined ? '--result answers a tool_call, and this session has none yet' : `--call ${o.call} is no record of this session`);
    d['parent_call_id'] = call.record_id;
    d['tool_name'] ??= call.action_detail['tool_name'] ?? null;
  }
  const type = o.type ?? (o.result !== undefined ? 'tool_response' : o.args !== undefined || o.tool !== undefined ? 'tool_call' : undefined);
  if (type === undefined) throw usage('say what happened: --type TYPE, or --tool NAME with --args JSON (a tool call) or --result JSON (its response)');
  return { action_type: type, action_detail: d };
}

/** Adds `atlog session start|add|end`. */
export function register(program: Command): void {
  const cmd = program.command('session').description('record an agent session from the shell: build, chain, sign and register (or queue) AAT records');

  common(
    cmd
      .command('start')
      .description('start a session: writes the state file and registers the genesis record; prints its entry id')
      .requiredOption('--key <file>', 'the agent\'s private key (what atlog keygen wrote)')
      .requiredOption('--agent <uri>', 'the agent id (agent_id, and the issuer the service knows)')
      .option('--agent-version <semver>', 'the agent\'s version', '0.0.0')
      .addOption(new Option('--trust-level <level>', 'trust level of every record').choices([...TRUST_LEVELS]).default('L1'))
      .option('--session-id <uuid>', 'the session id (default: a fresh UUIDv4)')
      .option('--queue <dir>', 'queue records in this directory (atlog sync sends them) instead of the state file')
      .option('--force', 'replace an existing state file'),
  ).action(
    runCommand('session start', async (o: StartOptions) => {
      if (existsSync(o.state) && !o.force) throw new AtlogError('ERR_CLI_EXISTS', `${o.state} exists (a session is under way; use --force to start over)`);
      if (o.url === undefined && o.queue === undefined) throw usage('give --url (the service), --queue DIR, or both');
      const state: SessionState = {
        version: 1,
        agent_id: o.agent,
        agent_version: o.agentVersion,
        session_id: o.sessionId ?? globalThis.crypto.randomUUID(),
        trust_level: o.trustLevel,
        key: resolve(o.key),
        ...(o.url !== undefined ? { url: o.url } : {}),
        ...(o.queue !== undefined ? { queue: resolve(o.queue) } : {}),
        records: [],
        pending: [],
        closed: false,
      };
      await step(o.state, state, true, o, async (s) => s.lastRecord);
    }),
  );

  common(
    cmd
      .command('add')
      .description('add the next record; prints its entry id')
      .addOption(new Option('--type <type>', 'action_type').choices(['tool_call', 'tool_response', 'decision', 'delegation', 'escalation', 'error', 'lifecycle']))
      .option('--tool <name>', 'tool_name')
      .option('--args <json>', 'the tool\'s arguments: only their SHA-256 (JCS) is recorded, as parameters_hash')
      .option('--result <json>', 'the tool\'s result: only its SHA-256 (JCS) is recorded, as response_hash')
      .option('--call <record-id>', 'the tool_call a --result answers (default: the last one)')
      .option('--detail <json>', 'further action_detail members (a JSON object)')
      .addOption(new Option('--outcome <outcome>', 'outcome (default success)').choices([...OUTCOMES]))
      .addOption(new Option('--phase <phase>', 'record_phase (default by action type)').choices([...RECORD_PHASES])),
  ).action(
    runCommand('session add', async (o: AddOptions) => {
      const state = readState(o.state);
      const fields = addFields(o, state);
      await step(o.state, state, false, o, async (s) =>
        s.record({ ...fields, ...(o.outcome ? { outcome: o.outcome as AatRecord['outcome'] } : {}), ...(o.phase ? { record_phase: o.phase as AatRecord['record_phase'] } : {}) }),
      );
    }),
  );

  common(
    cmd
      .command('end')
      .description('close the session (session_end with session_hash and record_count); prints its entry id')
      .addOption(new Option('--outcome <outcome>', 'outcome of the session (default success)').choices([...OUTCOMES])),
  ).action(
    runCommand('session end', async (o: Common & { outcome?: string }) => {
      const state = readState(o.state);
      await step(o.state, state, false, o, async (s) => {
        await s.close(o.outcome ? { outcome: o.outcome as AatRecord['outcome'] } : {});
        return s.lastRecord;
      });
    }),
  );
}
