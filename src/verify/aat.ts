import type { Completeness } from '../aat/index.js';
import { AtlogError } from '../errors.js';
import { checkSessionRecords, type RecordCheckOptions } from './records.js';
import { ReportBuilder, type VerificationReport } from './report.js';

/**
 * A bare AAT chain, verified offline with no log (`atlog verify --aat`; docs/auditor.md): records in order as a
 * JSON array or JSON Lines, checked for schema, links, in-record signatures and completeness (records.ts).
 */

export type AatChainOptions = RecordCheckOptions;

export interface AatChainReport extends VerificationReport {
  /** Records given. */
  records: number;
  completeness: Completeness;
}

/**
 * The records of an AAT file: a JSON array, or JSON Lines (one record per line; blank lines and a leading
 * byte order mark are ignored).
 * @throws AtlogError `ERR_AAT_FILE_MALFORMED` naming the line that is not JSON, or a JSON document that is
 *   not an array.
 */
export function parseAatRecords(text: string): unknown[] {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch (e) {
      throw new AtlogError('ERR_AAT_FILE_MALFORMED', `not a JSON array of records: ${(e as Error).message}`, { cause: e });
    }
    if (!Array.isArray(v)) throw new AtlogError('ERR_AAT_FILE_MALFORMED', 'not a JSON array of records');
    return v;
  }
  const out: unknown[] = [];
  body.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      throw new AtlogError('ERR_AAT_FILE_MALFORMED', `line ${i + 1} is not a JSON record (JSON Lines: one record per line): ${(e as Error).message}`, {
        cause: e,
        details: { line: i + 1 },
      });
    }
  });
  return out;
}

/**
 * Verify one session's records (genesis first) with no log: `session.chain`, `session.record[i].signature` for
 * every signed record, `session.completeness`. An open or inconclusive session fails unless `allowIncomplete`.
 * @returns a report; never throws for bad input.
 */
export function verifyAatChain(records: readonly unknown[], o: AatChainOptions = {}): AatChainReport {
  const b = new ReportBuilder();
  const completeness = checkSessionRecords(b, records, o);
  return { ...b.build(), records: records.length, completeness };
}
