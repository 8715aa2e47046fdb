import type { LinkState } from '../aat/index.js';
import { cborDecode, cborEncode } from '../cose/cbor.js';
import { AtlogError } from '../errors.js';
import type { CheckpointStore, MetaPut, MetaStore } from '../storage/types.js';
import { decodeSignedTreeHead, encodeSignedTreeHead, type SignedTreeHead } from '../receipts/index.js';
import type { AnchorStore, CheckpointTokens } from './anchoring.js';
import type { IssuerStore, StoredIssuer } from './issuers.js';

/**
 * What the service keeps in the storage's meta (src/storage MetaStore; puts written atomically with the entries
 * or the checkpoint they describe) and the checkpoint record format. Keys:
 *
 *   s/tip/<agent>/<session>            JSON LinkState: the session's chain tip
 *   s/idx/<agent>/<session>/<index16>  entry id (hex): the session index, in log order
 *   s/rec/<agent>/<session>/<record>   entry id of the record with that record_id (replay and fork detection)
 *   q/batches                          the sizes of the last two appended batches, "a,b" (Sequencer.recover)
 *   o/<operationId>                    entry id of a succeeded operation
 *   a/tok/<size16>                     CBOR [ {tsa name: token} per tree head ]: RFC 3161 tokens
 *   a/inc/<size16>                     present while a checkpoint lacks a token
 *   i/<iss>                            JSON StoredIssuer: admin-managed issuer
 *   n/cp/<size16>                      the C2SP checkpoint note of that size, signed by the log's note keys,
 *                                      written in the same write as the checkpoint (spec/tlog.md section 9)
 *   n/pub                              the note served at /tlog/checkpoint with its witness cosignatures,
 *                                      when witnesses are configured (publisher.ts)
 *
 * `<agent>` is URI-component-encoded so a '/' in an agent URI cannot run into the session id; numbers are
 * zero-padded to 16 digits so key order is numeric order. The checkpoint an entry was registered in is the
 * first one stored for a size above its index (CheckpointStore.from): every batch gets its own, in order.
 *
 * A checkpoint (CheckpointStore.put) is the CBOR array of the encoded signed tree heads of that size, one
 * per service key (P-256 first), each with its root attached and without tokens (tokens come later and a
 * checkpoint never changes).
 */

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export const pad16 = (n: number): string => n.toString().padStart(16, '0');
const sess = (agentId: string, sessionId: string): string => `${encodeURIComponent(agentId)}/${encodeURIComponent(sessionId)}`;

export const metaKeys = {
  tip: (agentId: string, sessionId: string) => `s/tip/${sess(agentId, sessionId)}`,
  sessionIndexPrefix: (agentId: string, sessionId: string) => `s/idx/${sess(agentId, sessionId)}/`,
  sessionIndex: (agentId: string, sessionId: string, index: number) => `s/idx/${sess(agentId, sessionId)}/${pad16(index)}`,
  record: (agentId: string, sessionId: string, recordId: string) => `s/rec/${sess(agentId, sessionId)}/${encodeURIComponent(recordId)}`,
  batches: 'q/batches',
  operation: (operationId: string) => `o/${operationId}`,
  tokens: (size: number) => `a/tok/${pad16(size)}`,
  incomplete: (size: number) => `a/inc/${pad16(size)}`,
  issuer: (iss: string) => `i/${iss}`,
  note: (size: number) => `n/cp/${pad16(size)}`,
  publishedNote: 'n/pub',
};

export function textPut(key: string, value: string): MetaPut {
  return { key, value: utf8.encode(value) };
}

export function jsonPut(key: string, value: unknown): MetaPut {
  return textPut(key, JSON.stringify(value));
}

export function text(v: Uint8Array | undefined): string | undefined {
  return v === undefined ? undefined : fromUtf8.decode(v);
}

function corrupt(what: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_SERVICE_STATE_CORRUPT', `stored ${what} is unreadable`, { cause });
}

/** The stored tip of a session, or undefined for a new session. */
export async function loadTip(meta: MetaStore, agentId: string, sessionId: string): Promise<LinkState | undefined> {
  const v = text(await meta.get(metaKeys.tip(agentId, sessionId)));
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v) as LinkState;
  } catch (e) {
    throw corrupt(`session tip of ${agentId}/${sessionId}`, e);
  }
}

/** Encodes a checkpoint record (see the module comment). */
export function encodeCheckpoint(heads: readonly SignedTreeHead[]): Uint8Array {
  return cborEncode(heads.map((h) => encodeSignedTreeHead(h, { attachRoot: true })));
}

/**
 * Decodes a checkpoint record back into signed tree heads.
 * @throws AtlogError ERR_SERVICE_STATE_CORRUPT.
 */
export function decodeCheckpoint(bytes: Uint8Array): SignedTreeHead[] {
  try {
    const arr = cborDecode(bytes);
    if (!Array.isArray(arr) || arr.length === 0) throw new Error('not a non-empty array');
    return arr.map((b: unknown) => {
      if (!(b instanceof Uint8Array)) throw new Error('tree head is not a bstr');
      const d = decodeSignedTreeHead(b);
      if (!d.root || !d.kid) throw new Error('tree head without root or kid');
      return { treeSize: d.treeSize, root: d.root, protectedBytes: d.protectedBytes, signature: d.signature, alg: d.alg, kid: d.kid };
    });
  } catch (e) {
    throw corrupt('checkpoint', e);
  }
}

/** Tokens per tree head as the receipts carry them (in timestamper order as stored). */
export function tokenList(tokens: CheckpointTokens, head: number): Uint8Array[] {
  return [...(tokens[head] ?? new Map<string, Uint8Array>()).values()];
}

/** AnchorStore over the meta and the checkpoints. */
export function anchorStore(meta: MetaStore, checkpoints: CheckpointStore): AnchorStore {
  const tokens = async (size: number): Promise<CheckpointTokens> => {
    const v = await meta.get(metaKeys.tokens(size));
    if (v === undefined) return [];
    try {
      return (cborDecode(v) as Array<Map<string, Uint8Array>>).map((m) => new Map(m));
    } catch (e) {
      throw corrupt(`tokens of checkpoint ${size}`, e);
    }
  };
  // The marker is written only for checkpoints that were ever incomplete, so a healthy TSA adds no marker rows
  // at all; a checkpoint stored for the first time has none yet.
  const firstTokenPuts = (size: number, toks: CheckpointTokens, complete: boolean): MetaPut[] => {
    const puts: MetaPut[] = [{ key: metaKeys.tokens(size), value: cborEncode(toks) }];
    if (!complete) puts.push(textPut(metaKeys.incomplete(size), 'pending'));
    return puts;
  };
  return {
    tokens,
    async saveTokens(size, toks, complete) {
      // A completed checkpoint that was incomplete before has its marker overwritten with "done" (meta has no
      // delete).
      const puts = firstTokenPuts(size, toks, complete);
      if (complete && (await meta.get(metaKeys.incomplete(size))) !== undefined) puts.push(textPut(metaKeys.incomplete(size), 'done'));
      await meta.put(puts);
    },
    firstTokenPuts,
    async incomplete() {
      const rows = await meta.range('a/inc/');
      return rows.filter((r) => text(r.value) === 'pending').map((r) => Number(r.key.slice('a/inc/'.length)));
    },
    async signatures(size) {
      const cp = await checkpoints.get(size);
      if (cp === undefined) throw corrupt(`checkpoint ${size} (missing)`);
      return decodeCheckpoint(cp).map((h) => h.signature);
    },
  };
}

/** IssuerStore over the meta. */
export function issuerStore(meta: MetaStore): IssuerStore {
  return {
    async load() {
      const rows = await meta.range('i/');
      return rows.map((r) => {
        try {
          return JSON.parse(text(r.value)!) as StoredIssuer;
        } catch (e) {
          throw corrupt(`issuer ${r.key}`, e);
        }
      });
    },
    async save(issuer) {
      await meta.put([jsonPut(metaKeys.issuer(issuer.iss), issuer)]);
    },
  };
}
