import { AtlogError } from '../errors.js';
import { cborDecode, cborEncode } from '../cose/cbor.js';
import { encodeSignedTreeHead, issueInclusionReceipt, type SignedTreeHead } from '../receipts/index.js';
import { toTransparentStatement } from '../statements/index.js';

/**
 * The session export bundle (spec/bundle.md), served at GET /agents/{agent}/sessions/{session}/bundle as
 * `application/cbor`: everything an auditor needs to check one agent session offline.
 */

export const BUNDLE_VERSION = 1;

export interface SessionBundle {
  version: number;
  /** agent_id (URI) of the session's records. */
  agent: string;
  /** session_id (UUID) of the session's records. */
  session: string;
  /** Signed tree head with the root attached (encodeSignedTreeHead(sth, { attachRoot: true })). */
  checkpoint: Uint8Array;
  /** Transparent Statements in chain order; each has a receipt against `checkpoint`'s tree. */
  statements: Uint8Array[];
}

/** Deterministic CBOR of a bundle (text keys). */
export function encodeBundle(b: SessionBundle): Uint8Array {
  return cborEncode(
    new Map<string, unknown>([
      ['version', b.version],
      ['agent', b.agent],
      ['session', b.session],
      ['checkpoint', b.checkpoint],
      ['statements', b.statements],
    ]),
  );
}

function bad(detail: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_BUNDLE_MALFORMED', detail, cause === undefined ? {} : { cause });
}

/**
 * Decode and shape-check a bundle. Unknown keys are ignored (forward compatibility); the version must be 1.
 * @throws AtlogError ERR_BUNDLE_MALFORMED, ERR_BUNDLE_UNSUPPORTED_VERSION.
 */
export function decodeBundle(bytes: Uint8Array): SessionBundle {
  let m: unknown;
  try {
    m = cborDecode(bytes);
  } catch (e) {
    throw bad('bundle is not CBOR', e);
  }
  if (!(m instanceof Map)) throw bad('bundle must be a CBOR map');
  const version = m.get('version');
  if (version !== BUNDLE_VERSION) throw new AtlogError('ERR_BUNDLE_UNSUPPORTED_VERSION', `bundle version ${String(version)} is not ${BUNDLE_VERSION}`);
  const agent = m.get('agent');
  const session = m.get('session');
  const checkpoint = m.get('checkpoint');
  const statements = m.get('statements');
  if (typeof agent !== 'string' || agent === '') throw bad('"agent" must be non-empty text');
  if (typeof session !== 'string' || session === '') throw bad('"session" must be non-empty text');
  if (!(checkpoint instanceof Uint8Array)) throw bad('"checkpoint" must be a bstr');
  if (!Array.isArray(statements) || statements.length === 0 || !statements.every((s) => s instanceof Uint8Array)) {
    throw bad('"statements" must be a non-empty array of bstr');
  }
  return { version, agent, session, checkpoint, statements: statements as Uint8Array[] };
}

/** One registered statement of the session, with its place in the checkpoint's tree. */
export interface BundleEntry {
  /** The registered statement (or its registration entry) as stored in the log. */
  statement: Uint8Array;
  leafIndex: number;
  /** Inclusion proof of `leafIndex` in the tree of the checkpoint's size. */
  proof: Uint8Array[];
}

/**
 * Assemble a session bundle the way spec/bundle.md asks the exporter to: the first tree head (P-256 by
 * convention) becomes the checkpoint with its root attached, and every statement gets one receipt per tree head
 * of that checkpoint (all tree heads must be of the same size and root), plus the checkpoint's timestamps.
 * @throws AtlogError ERR_INVALID_ARGUMENT for an empty session or tree heads of different trees.
 */
export function assembleBundle(o: {
  agent: string;
  session: string;
  treeHeads: readonly SignedTreeHead[];
  entries: readonly BundleEntry[];
  timestamps?: Uint8Array[];
}): Uint8Array {
  const [first] = o.treeHeads;
  if (!first || o.entries.length === 0) throw new AtlogError('ERR_INVALID_ARGUMENT', 'a bundle needs a tree head and at least one statement');
  if (o.treeHeads.some((h) => h.treeSize !== first.treeSize || h.root.some((x, i) => x !== first.root[i]))) {
    throw new AtlogError('ERR_INVALID_ARGUMENT', 'all tree heads of a bundle must sign the same tree');
  }
  const ts = o.timestamps ? { timestamps: o.timestamps } : {};
  const statements = o.entries.map((e) => toTransparentStatement(e.statement, o.treeHeads.map((h) => issueInclusionReceipt(h, e.leafIndex, e.proof, ts))));
  return encodeBundle({ version: BUNDLE_VERSION, agent: o.agent, session: o.session, checkpoint: encodeSignedTreeHead(first, { ...ts, attachRoot: true }), statements });
}
