/** Media types of the HTTP surface (spec/api.md). */

/** COSE objects: receipts (SCRAPI -11 answers receipts as application/cose) and Signed Statements. */
export const MT_COSE = 'application/cose';
/** RFC 9943 Signed Statement media type, accepted on POST /entries and used for Transparent Statements. */
export const MT_STATEMENT = 'application/scitt-statement+cose';
/** RFC 9943 receipt media type (not used for responses; SCRAPI uses application/cose). */
export const MT_RECEIPT = 'application/scitt-receipt+cose';
/** Plain CBOR: key sets, keys, checkpoints, the transparency configuration. */
export const MT_CBOR = 'application/cbor';
/** RFC 9290 concise problem details. */
export const MT_PROBLEM_CBOR = 'application/concise-problem-details+cbor';
/** RFC 9457 problem details, for clients whose Accept prefers JSON. */
export const MT_PROBLEM_JSON = 'application/problem+json';
export const MT_JSON = 'application/json';

/** Content types POST /entries accepts (parameters ignored, case-insensitive). */
export const STATEMENT_TYPES: readonly string[] = [MT_COSE, MT_STATEMENT];

/** The bare media type of a Content-Type header: lowercased, parameters dropped. */
export function essence(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * True when the Accept header asks for JSON rather than CBOR: it names a JSON type, and no CBOR type with
 * a higher or equal q-value (wildcards do not count). Absent Accept = CBOR: SCRAPI is CBOR-first.
 */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let json = -1;
  let cbor = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || type === undefined) continue;
    if (type.endsWith('json')) json = Math.max(json, q);
    else if (type.endsWith('cbor') || type.endsWith('cose')) cbor = Math.max(cbor, q);
  }
  return json > 0 && json > cbor;
}
