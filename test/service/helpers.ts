import { canonicalBytes, genesisRecord, nextRecord, type AatRecord, type NextInput } from '../../src/aat/index.js';
import { AtlogError } from '../../src/errors.js';
import { generateKey, type PrivateKey } from '../../src/keys/index.js';
import { verifyReceipt } from '../../src/receipts/index.js';
import { TransparencyService, type ServiceOptionsInput } from '../../src/service/index.js';
import { AAT_CONTENT_TYPE, buildStatement } from '../../src/statements/index.js';
import { fromHex } from '../../src/util/bytes.js';
import { tempDir } from '../helpers/temp.js';

/** Shared fixtures for the service tests: services on temp data dirs (test/helpers/temp.ts), agents, AAT statements. */

export const quiet = { info() {}, warn() {}, error() {}, debug() {} };


export async function openService(o: ServiceOptionsInput = {}): Promise<TransparencyService> {
  return TransparencyService.open({ dataDir: o.dataDir ?? tempDir(), logger: quiet, verifyWorkers: 1, batch: { maxEntries: 64, maxDelayMs: 2 }, ...o });
}

/** An agent with a key and a running session. */
export class Agent {
  readonly key: PrivateKey;
  readonly id: string;
  records: AatRecord[] = [];

  constructor(alg: string = 'ES256', id = `urn:agent:test:${Math.random().toString(36).slice(2)}`) {
    this.key = generateKey(alg);
    this.id = id;
  }

  get sessionId(): string {
    return this.records[0]!.session_id;
  }

  genesis(extra: Partial<Parameters<typeof genesisRecord>[0]> = {}): AatRecord {
    const r = genesisRecord({ agentId: this.id, agentVersion: '1.0.0', trustLevel: 'L1', ...extra });
    this.records = [r];
    return r;
  }

  /** The next record after the current tip (does not advance until `push`). */
  next(fields: NextInput, after: AatRecord = this.records[this.records.length - 1]!): AatRecord {
    return nextRecord(after, fields);
  }

  push(r: AatRecord): AatRecord {
    this.records.push(r);
    return r;
  }

  /** A Signed Statement carrying `record` as JCS bytes (STANDARDS.md Decision (envelope)). */
  statement(record: AatRecord, o: { iss?: string; sub?: string; key?: PrivateKey; payload?: Uint8Array } = {}): Uint8Array {
    return buildStatement({
      key: o.key ?? this.key,
      iss: o.iss ?? this.id,
      sub: o.sub ?? `urn:uuid:${record.session_id}`,
      payload: o.payload ?? canonicalBytes(record),
      contentType: AAT_CONTENT_TYPE,
    });
  }
}

export function toolCall(tool = 'search'): NextInput {
  return { action_type: 'tool_call', action_detail: { tool_name: tool, parameters_hash: 'a'.repeat(64) } };
}

/** Submits and waits; returns the registered entry. */
export async function register(svc: TransparencyService, statement: Uint8Array) {
  const s = await svc.submit(statement);
  return { submission: s, entry: await s.done };
}

/** The AtlogError code of a rejected promise (submit or done), or 'resolved'. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof AtlogError ? e.code : `not-atlog: ${String(e)}`;
  }
}

/** Submits and reports the error of either stage (submit or done). */
export async function rejection(svc: TransparencyService, statement: Uint8Array): Promise<AtlogError | undefined> {
  try {
    await (await svc.submit(statement)).done;
    return undefined;
  } catch (e) {
    if (e instanceof AtlogError) return e;
    throw e;
  }
}

/** Verifies every receipt of an entry against the service keys; returns the verifications. */
export function verifyAll(svc: TransparencyService, entryId: string, receipts: Uint8Array[]) {
  return receipts.map((r) => verifyReceipt(r, { entryHash: fromHex(entryId), keys: svc.serviceKeys() }));
}
