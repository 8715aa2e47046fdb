import { AtlogError } from '../errors.js';
import { cborEncode } from '../cose/cbor.js';

/**
 * The evidence file (spec/bundle.md section 4): a CBOR sequence (RFC 8742) of one header, then checkpoint and
 * entry items in log order, then one end item. Every item is a deterministic CBOR map with text keys. This
 * module encodes items and checks the shape of decoded ones; the audit (audit.ts) checks what they prove.
 */

export const EVIDENCE_FORMAT = 'atlog-evidence';
export const EVIDENCE_VERSION = 1;
/** Media type of an evidence file: a CBOR sequence (RFC 8742). */
export const EVIDENCE_MEDIA_TYPE = 'application/cbor-seq';

/**
 * What the exporter selected. `all`, `range` and `since` select every entry of the index range [from, to):
 * the audit then requires each index exactly once. `agents` selects the entries of those agents (of one
 * session when `session` is set) below `to`.
 */
export type Selection =
  | { kind: 'all'; from: number; to: number }
  | { kind: 'range'; from: number; to: number }
  | { kind: 'since'; since: string; from: number; to: number }
  | { kind: 'agents'; agents: string[]; session?: string; to: number };

/** A signed checkpoint: its size, root and signed tree heads (COSE_Sign1, root attached, tokens under 270). */
export interface CheckpointBody {
  treeSize: number;
  root: Uint8Array;
  signedTreeHeads: Uint8Array[];
}

export interface EvidenceHeader {
  format: typeof EVIDENCE_FORMAT;
  version: number;
  /** RFC 3339 time of the export. */
  exportedAt: string;
  /** The service URL the exporter read. */
  service: string;
  selection: Selection;
  /** The final checkpoint: every consistency proof in the file leads to it. */
  checkpoint: CheckpointBody;
  /** The service's COSE_KeySet as it served it (informational: an auditor pins keys of their own). */
  keys: Uint8Array;
  /** TSA root certificates (DER) as the service served them (informational, like `keys`). */
  tsaRoots: Uint8Array[];
}

/** A checkpoint the following entries' receipts point at, with an RFC 9162 consistency proof to the final one. */
export interface CheckpointItem extends CheckpointBody {
  type: 'checkpoint';
  consistency: Uint8Array[];
}

/** One Transparent Statement (receipts under label 394) at its log index. */
export interface EntryItem {
  type: 'entry';
  index: number;
  statement: Uint8Array;
}

/** The last item: how many entry and checkpoint items precede it (a truncated file has none). */
export interface EndItem {
  type: 'end';
  entries: number;
  checkpoints: number;
}

export type EvidenceItem = CheckpointItem | EntryItem | EndItem;

const bodyPairs = (c: CheckpointBody): [string, unknown][] => [
  ['treeSize', c.treeSize],
  ['root', c.root],
  ['signedTreeHeads', c.signedTreeHeads],
];

function selectionMap(s: Selection): Map<string, unknown> {
  const m = new Map<string, unknown>([['kind', s.kind]]);
  if (s.kind === 'agents') {
    m.set('agents', s.agents);
    if (s.session !== undefined) m.set('session', s.session);
  } else {
    if (s.kind === 'since') m.set('since', s.since);
    m.set('from', s.from);
  }
  m.set('to', s.to);
  return m;
}

/** The header item's bytes. */
export function encodeHeader(h: Omit<EvidenceHeader, 'format' | 'version'>): Uint8Array {
  return cborEncode(
    new Map<string, unknown>([
      ['format', EVIDENCE_FORMAT],
      ['version', EVIDENCE_VERSION],
      ['exportedAt', h.exportedAt],
      ['service', h.service],
      ['selection', selectionMap(h.selection)],
      ['checkpoint', new Map(bodyPairs(h.checkpoint))],
      ['keys', h.keys],
      ['tsaRoots', h.tsaRoots],
    ]),
  );
}

export function encodeCheckpointItem(c: CheckpointBody & { consistency: Uint8Array[] }): Uint8Array {
  return cborEncode(new Map<string, unknown>([['type', 'checkpoint'], ...bodyPairs(c), ['consistency', c.consistency]]));
}

export function encodeEntryItem(index: number, statement: Uint8Array): Uint8Array {
  return cborEncode(new Map<string, unknown>([['type', 'entry'], ['index', index], ['statement', statement]]));
}

export function encodeEndItem(entries: number, checkpoints: number): Uint8Array {
  return cborEncode(new Map<string, unknown>([['type', 'end'], ['entries', entries], ['checkpoints', checkpoints]]));
}

function bad(detail: string): AtlogError {
  return new AtlogError('ERR_EVIDENCE_MALFORMED', detail);
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBytesList = (v: unknown): v is Uint8Array[] => Array.isArray(v) && v.every((x) => x instanceof Uint8Array);

function field<T>(m: Map<unknown, unknown>, key: string, ok: (v: unknown) => v is T, what: string, where: string): T {
  const v = m.get(key);
  if (!ok(v)) throw bad(`${where} "${key}" must be ${what}`);
  return v;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isRoot = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.length === 32;
const isMap = (v: unknown): v is Map<unknown, unknown> => v instanceof Map;
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

function checkpointBody(m: Map<unknown, unknown>, where: string): CheckpointBody {
  const signedTreeHeads = field(m, 'signedTreeHeads', isBytesList, 'an array of bstr', where);
  if (signedTreeHeads.length === 0) throw bad(`${where} has no signed tree head`);
  return { treeSize: field(m, 'treeSize', isUint, 'an unsigned integer', where), root: field(m, 'root', isRoot, 'a 32-byte bstr', where), signedTreeHeads };
}

function selection(m: Map<unknown, unknown>): Selection {
  const where = 'selection';
  const kind = m.get('kind');
  const to = field(m, 'to', isUint, 'an unsigned integer', where);
  if (kind === 'agents') {
    const agents = field(m, 'agents', (v): v is string[] => Array.isArray(v) && v.length > 0 && v.every(isText), 'a non-empty array of text', where);
    const session = m.get('session');
    if (session !== undefined && !isText(session)) throw bad('selection "session" must be text');
    return session === undefined ? { kind, agents, to } : { kind, agents, session, to };
  }
  const from = field(m, 'from', isUint, 'an unsigned integer', where);
  if (from > to) throw bad(`selection from ${from} is above to ${to}`);
  if (kind === 'all' || kind === 'range') return { kind, from, to };
  if (kind === 'since') return { kind, since: field(m, 'since', isText, 'text', where), from, to };
  throw bad(`selection kind ${String(kind)} is not all, range, since or agents`);
}

/**
 * Shape-check a decoded header item (the first item of the file).
 * @throws AtlogError ERR_EVIDENCE_MALFORMED, ERR_EVIDENCE_UNSUPPORTED_VERSION.
 */
export function readHeader(v: unknown): EvidenceHeader {
  if (!isMap(v) || v.get('format') !== EVIDENCE_FORMAT) throw bad(`the first item is not an ${EVIDENCE_FORMAT} header`);
  const version = v.get('version');
  if (version !== EVIDENCE_VERSION) throw new AtlogError('ERR_EVIDENCE_UNSUPPORTED_VERSION', `evidence version ${String(version)} is not ${EVIDENCE_VERSION}`);
  const where = 'header';
  return {
    format: EVIDENCE_FORMAT,
    version,
    exportedAt: field(v, 'exportedAt', isText, 'text', where),
    service: field(v, 'service', isText, 'text', where),
    selection: selection(field(v, 'selection', isMap, 'a map', where)),
    checkpoint: checkpointBody(field(v, 'checkpoint', isMap, 'a map', where), 'header checkpoint'),
    keys: field(v, 'keys', isBytes, 'a bstr', where),
    tsaRoots: field(v, 'tsaRoots', isBytesList, 'an array of bstr', where),
  };
}

/**
 * Shape-check a decoded item after the header. Unknown keys are ignored (forward compatibility); an unknown
 * `type` is refused (it could carry something the audit would silently skip).
 * @throws AtlogError ERR_EVIDENCE_MALFORMED.
 */
export function readItem(v: unknown): EvidenceItem {
  if (!isMap(v)) throw bad('an item is not a CBOR map');
  const type = v.get('type');
  if (type === 'entry') {
    return { type, index: field(v, 'index', isUint, 'an unsigned integer', 'entry'), statement: field(v, 'statement', isBytes, 'a bstr', 'entry') };
  }
  if (type === 'checkpoint') {
    return { type, ...checkpointBody(v, 'checkpoint'), consistency: field(v, 'consistency', isBytesList, 'an array of bstr', 'checkpoint') };
  }
  if (type === 'end') {
    return { type, entries: field(v, 'entries', isUint, 'an unsigned integer', 'end'), checkpoints: field(v, 'checkpoints', isUint, 'an unsigned integer', 'end') };
  }
  throw bad(`unknown item type ${String(type)}`);
}
