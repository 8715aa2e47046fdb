import { HEADER_PAYLOAD_HASH_ALG } from '../../cose/labels.js';
import { readCborSeq } from '../../cose/cbor-seq.js';
import { AAT_CONTENT_TYPE } from '../../statements/index.js';
import { statementFacts } from '../../verify/entry.js';
import { readItem } from '../evidence.js';
import { RecordDigest, type ReportDetails } from './details.js';

/**
 * The report's own pass over an evidence file: the AAT records it carries in the clear, in log order, into a
 * RecordDigest (bounded memory whatever the file's size). The audit (auditEvidence) judges every item; this
 * pass only reads what the records say, so it passes over whatever it cannot read and leaves naming it to the
 * audit. Pure: a stream of chunks in, no I/O.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON payload of a statement that carries an AAT record in the clear; undefined for anything else. */
function recordOf(statement: Uint8Array): unknown {
  try {
    const f = statementFacts(statement);
    // a Hash Envelope (RFC 9943 section 3.1) carries only a hash of the record: nothing to show
    if (f.contentType !== AAT_CONTENT_TYPE || f.sign1.protected.has(HEADER_PAYLOAD_HASH_ALG) || f.sign1.payload === null) return undefined;
    return JSON.parse(utf8.decode(f.sign1.payload)) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads the details the report draws (timelines, notable events, field counts) from an evidence file. */
export async function readReportDetails(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<ReportDetails> {
  const digest = new RecordDigest();
  let header = true;
  try {
    for await (const { value } of readCborSeq(chunks)) {
      if (header) {
        header = false;
        continue;
      }
      const item = readItem(value);
      if (item.type === 'entry') digest.add(recordOf(item.statement), item.index);
    }
  } catch {
    // the stream stops being an evidence file here: the audit reports where and why; the details end here
  }
  return digest.result();
}
