import { createReadStream, statSync } from 'node:fs';
import { Command } from 'commander';
import { auditEvidence, formatSummary, type AuditOptions } from '../audit/index.js';
import { CannotEvaluate } from './aat-input.js';
import { keysFrom, read, recordFlags, recordOptions } from './verify.js';
import { progress } from './progress.js';

/**
 * `atlog audit FILE`: the streaming audit of an evidence file (docs/auditor.md "Audit an export"). The file is
 * read as a stream, so its size does not matter; the result is a summary per agent and session, or with
 * --json every check (src/audit/types.ts). Exit 0 valid, 1 not valid, 2 cannot evaluate (no pinned keys, an
 * unreadable file or key, a record or delegation outside the file).
 */

/** The audit's own flags as commander hands them over (--keys and its alias --service-key still apart). */
export interface AuditFlags {
  keys?: string[];
  serviceKey?: string[];
  tsaRoot?: string[];
  issuerKey?: string[];
  recordKey?: string[];
  requireRecordSignatures?: boolean;
  allowIncomplete?: boolean;
  requireAnchored?: boolean;
  at?: string;
  draft?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** The file as a stream of plain Uint8Array chunks (what the pure audit reads). */
export async function* fileChunks(file: string): AsyncGenerator<Uint8Array> {
  for await (const b of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    const buf = b as Buffer;
    yield new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
}

/**
 * What the audit of `file` is told by the flags: pinned keys and roots read, record options checked.
 * @throws CannotEvaluate for a file or key that cannot be read, or a bad --at or --draft.
 */
export function auditOptions(file: string, f: AuditFlags): AuditOptions {
  let bytes: number;
  try {
    bytes = statSync(file).size;
  } catch (e) {
    throw new CannotEvaluate(`cannot read evidence file ${file}: ${(e as Error).message}`);
  }
  const keys = [...(f.keys ?? []), ...(f.serviceKey ?? [])];
  const tsaRoot = f.tsaRoot ?? [];
  const issuerKey = f.issuerKey ?? [];
  const rec = recordOptions({ ...f, recordKey: f.recordKey ?? [] });
  if (f.requireAnchored && tsaRoot.length === 0) throw new CannotEvaluate('--require-anchored needs --tsa-root: the TSA root the tokens must verify to');
  return {
    bytes,
    ...(keys.length ? { serviceKeys: keysFrom(keys, 'service key') } : {}),
    ...(tsaRoot.length ? { tsaRoots: tsaRoot.map((r) => read(r, 'TSA root')) } : {}),
    ...(issuerKey.length ? { issuerKeys: keysFrom(issuerKey, 'issuer key') } : {}),
    ...(rec.recordKeys ? { recordKeys: rec.recordKeys } : {}),
    ...(rec.requireRecordSignatures ? { requireRecordSignatures: true } : {}),
    ...(rec.allowIncomplete ? { allowIncomplete: true } : {}),
    ...(f.requireAnchored ? { requireAnchored: true } : {}),
    ...(rec.at ? { at: rec.at } : {}),
    ...(rec.draft !== undefined ? { draft: rec.draft } : {}),
  };
}

/** Adds the audit's flags (trust anchors and record rules) to `atlog audit` and `atlog report`. */
export function auditFlags(cmd: Command): Command {
  return recordFlags(
    cmd
      .option('--keys <file>', 'pinned service keys: COSE_KeySet, COSE_Key or PEM (repeatable; alias --service-key)', collect)
      .option('--service-key <file>', 'alias of --keys', collect)
      .option('--tsa-root <file>', 'pinned TSA root certificate, DER or PEM (repeatable): check every timestamp and anchor times', collect)
      .option('--require-anchored', 'fail every tree head without an RFC 3161 token (by default skipped: a service may anchor every N seconds); needs --tsa-root')
      .option('--issuer-key <file>', 'agent (issuer) keys: check every statement signature (repeatable)', collect),
  );
}

/** Adds `atlog audit` to the program. */
export function register(program: Command): void {
  const cmd = auditFlags(
    new Command('audit')
      .description('audit an evidence file (atlog export) offline: every signature, receipt, timestamp, tree head, session chain and delegation')
      .argument('<file>', 'evidence file written by atlog export'),
  )
    .option('--json', 'print the whole result as JSON (src/audit/types.ts)')
    .option('--progress', 'report entries audited on stderr once a second (on by default when stderr is a terminal)')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (file: string, f: AuditFlags & { json?: boolean; progress?: boolean }) => {
      try {
        const options = auditOptions(file, f);
        const shown = progress('audit', f.progress);
        const result = await auditEvidence(fileChunks(file), { ...options, onEntry: (n) => shown.update(n) });
        shown.done();
        process.stdout.write(f.json ? `${JSON.stringify(result)}\n` : formatSummary(result, file));
        process.exitCode = result.exitCode;
      } catch (e) {
        // Only inputs the audit never got (a file or key that cannot be read) end here; the audit itself never throws.
        const msg = e instanceof Error ? e.message : String(e);
        if (f.json) process.stdout.write(`${JSON.stringify({ verdict: 'cannot-evaluate', exitCode: 2, failure: { check: 'input', code: 'ERR_VERIFY_CANNOT_EVALUATE', detail: msg } })}\n`);
        process.stderr.write(`atlog audit: ${msg}\n`);
        process.exitCode = 2;
      }
    });
  program.addCommand(cmd);
}
