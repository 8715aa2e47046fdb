import { cborDecode } from '../cose/cbor.js';
import { decodeSign1 } from '../cose/sign1.js';
import { AtlogError } from '../errors.js';
import { KEY_KID, KEY_KTY } from '../cose/labels.js';
import { thumbprint } from '../keys/thumbprint.js';
import type { CoseKeyMap } from '../keys/types.js';
import { receiptsOf } from '../statements/entry.js';
import { COSE_MEDIA_TYPE, STATEMENT_MEDIA_TYPE } from '../statements/media-types.js';
import { toBase64Url } from '../util/bytes.js';
import { resolveClientOptions, type CallOptions, type ClientOptions, type ResolvedClientOptions } from './options.js';
import { decodeProblem, MT_PROBLEM_CBOR, problemError } from './problem.js';
import {
  parseCheckpointPage,
  parseEntryPage,
  parseSessionList,
  type AgentSession,
  type CheckpointPageOptions,
  type PageCheckpoint,
  type PageEntry,
  type PageOptions,
  type SessionPageOptions,
} from './pages.js';
import { registerStatement, waitForReceipt, type Registration } from './register.js';
import { withCall, type Answer, type Call } from './transport.js';

/**
 * A client for SCRAPI transparency services (draft-ietf-scitt-scrapi-11) and atlog's read-only extensions.
 * Pure over `fetch`: no node: imports, so it runs in a browser too. What it fetches is checked for shape
 * (a receipt is a COSE_Sign1, a key set imports), never for trust: that is the offline verifier's job.
 *
 * Length (~300 lines): one method per SCRAPI read and the registration poll; the retry and polling policy
 * is shared by all of them and lives here.
 */

/** The latest checkpoint (atlog `GET /checkpoint`), decoded but not verified. */
export interface Checkpoint {
  /** The CBOR map as served (what `atlog verify --old-checkpoint` reads). */
  bytes: Uint8Array;
  treeSize: number;
  root: Uint8Array;
  /** COSE_Sign1 signed tree heads, one per service key. */
  signedTreeHeads: Uint8Array[];
  /** True when every tree head has its RFC 3161 token. */
  anchored: boolean;
}

/**
 * A COSE_KeySet as served (import it with `importCoseKeySet` to verify with it), and the kid of each key:
 * base64url of its kid (label 2), else of its RFC 9679 thumbprint; undefined for a key type without one.
 */
export interface KeySet {
  bytes: Uint8Array;
  kids: Array<string | undefined>;
}

/** One issuer as atlog's admin API lists it (spec/api.md "Admin"); kids are base64url RFC 9679 thumbprints. */
export interface IssuerView {
  iss: string;
  status: 'active' | 'revoked';
  source: 'policy' | 'admin' | 'both';
  keys: Array<{ kid: string; alg: number; status: 'active' | 'revoked'; notBefore?: string; notAfter?: string }>;
}

/** Options of the receipt-returning calls: atlog serves the P-256 receipt unless asked for another `alg`. */
export interface ReceiptOptions extends CallOptions {
  /** e.g. `ML-DSA-65` (atlog's `?alg=`); other services ignore it. */
  alg?: string;
}

export interface TransparencyClient {
  /** The base URL every resource is resolved against. */
  readonly url: URL;
  /**
   * Registers a Signed Statement and waits for its receipt (201, or 303/202 then polling).
   * @throws AtlogError ERR_CLIENT_REJECTED (details.problem: title, detail, code, extensions.reason),
   *   ERR_CLIENT_TIMEOUT (details.location: poll it later with `waitForReceipt`), ERR_CLIENT_NETWORK,
   *   ERR_CLIENT_UNAVAILABLE, ERR_CLIENT_ABORTED, ERR_CLIENT_UNEXPECTED.
   */
  register(statement: Uint8Array, opts?: CallOptions): Promise<Registration>;
  /** Polls an operation URL (from a timed-out `register`) until the receipt arrives. @throws as `register`. */
  waitForReceipt(location: string | URL, opts?: CallOptions): Promise<Registration>;
  /** The receipt of an entry (id, log index or operation id). @throws ERR_CLIENT_NOT_FOUND and the call errors. */
  receipt(entry: string, opts?: ReceiptOptions): Promise<Uint8Array>;
  /** Every receipt of an entry, taken from its Transparent Statement (atlog). @throws as `transparentStatement`. */
  receipts(entry: string, opts?: CallOptions): Promise<Uint8Array[]>;
  /** The Transparent Statement of an entry: the statement with its receipts under label 394 (atlog). */
  transparentStatement(entry: string, opts?: CallOptions): Promise<Uint8Array>;
  /** The latest checkpoint (atlog). @throws ERR_CLIENT_NOT_FOUND while the log is empty. */
  checkpoint(opts?: CallOptions): Promise<Checkpoint>;
  /** A consistency receipt from tree size `from` to `to` (atlog). */
  consistency(from: number, to: number, opts?: ReceiptOptions): Promise<Uint8Array>;
  /** The service's COSE_KeySet (`/.well-known/scitt-keys`). */
  keys(opts?: CallOptions): Promise<KeySet>;
  /** One service key (COSE_Key) by kid (bytes, or unpadded base64url as in the URL). @throws ERR_CLIENT_NOT_FOUND */
  key(kid: Uint8Array | string, opts?: CallOptions): Promise<Uint8Array>;
  /** The entry ids of an agent session, in log order (atlog). */
  sessionEntries(agentId: string, sessionId: string, opts?: CallOptions): Promise<string[]>;
  /** The session export bundle (atlog, spec/bundle.md), for `atlog verify --bundle`. */
  sessionBundle(agentId: string, sessionId: string, opts?: CallOptions): Promise<Uint8Array>;
  /** The embedded TSA's root certificate as PEM (atlog `GET /tsa/root.pem`). */
  tsaRoot(opts?: CallOptions): Promise<string>;
  /** One page of log entries from index `from`, below the newest checkpoint (atlog `GET /entries?from=`). */
  entries(from: number, opts?: PageOptions): Promise<PageEntry[]>;
  /** One page of signed checkpoints, optionally with consistency proofs to `to` (atlog `GET /checkpoints`). */
  checkpoints(opts?: CheckpointPageOptions): Promise<PageCheckpoint[]>;
  /** One page of an agent's sessions (atlog `GET /agents/{agent}/sessions`). @throws ERR_CLIENT_NOT_FOUND */
  agentSessions(agentId: string, opts?: SessionPageOptions): Promise<AgentSession[]>;
  /** One page of a session's entries from index `from` (atlog `GET /agents/{agent}/sessions/{session}/entries`). */
  sessionEntryPage(agentId: string, sessionId: string, from: number, opts?: PageOptions): Promise<PageEntry[]>;
  /** atlog's admin API for issuer keys; needs `adminToken`. @throws ERR_INVALID_ARGUMENT without it. */
  readonly issuers: {
    list(opts?: CallOptions): Promise<IssuerView[]>;
    /** Trusts the key(s) of a key file (COSE_Key, COSE_KeySet or PEM; only public halves are kept). */
    add(iss: string, keyFile: Uint8Array, opts?: CallOptions): Promise<IssuerView[]>;
    /** Revokes one key (kid as base64url) or, without a kid, the whole issuer. */
    revoke(iss: string, kid?: string, opts?: CallOptions): Promise<IssuerView[]>;
  };
}

function unexpected(a: Answer, what: string, cause?: unknown): AtlogError {
  return new AtlogError('ERR_CLIENT_UNEXPECTED', `${a.url}: ${what}`, { cause, details: { url: a.url, status: a.status } });
}

/** Checks the shape of a body; `parse` throws for anything else. */
function shaped<T>(a: Answer, what: string, parse: (body: Uint8Array) => T): T {
  try {
    return parse(a.body);
  } catch (e) {
    throw unexpected(a, `the answer is not ${what}`, e);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MT_CBOR_SEQ = 'application/cbor-seq';

/**
 * GET a resource, following a few ordinary redirects, and return the 200 answer.
 * @throws AtlogError for a problem answer (problemError) or anything but 200.
 */
async function get(call: Call, url: URL, accept: string, headers: Record<string, string> = {}): Promise<Answer> {
  let u = url;
  for (let hops = 0; hops <= 5; hops++) {
    const a = await call.send(u, { headers: { Accept: `${accept}, ${MT_PROBLEM_CBOR}`, ...headers } });
    if (a.status === 200) return a;
    const loc = a.headers.get('location');
    if (REDIRECTS.has(a.status) && loc) {
      u = new URL(loc, a.url);
      continue;
    }
    if (a.status >= 400) throw problemError(decodeProblem(a.status, a.headers.get('content-type'), a.body), a.url);
    throw unexpected(a, `answered ${a.status}`);
  }
  throw new AtlogError('ERR_CLIENT_UNEXPECTED', `${url.href}: too many redirects`, { details: { url: url.href } });
}

function receiptBytes(body: Uint8Array): Uint8Array {
  decodeSign1(body);
  return body;
}

function checkpointOf(bytes: Uint8Array): Checkpoint {
  const m = cborDecode(bytes);
  if (!(m instanceof Map)) throw new TypeError('not a CBOR map');
  const treeSize = m.get('treeSize');
  const root = m.get('root');
  const heads = m.get('signedTreeHeads');
  if (!Number.isSafeInteger(treeSize) || (treeSize as number) < 0) throw new TypeError('treeSize');
  if (!(root instanceof Uint8Array) || root.length !== 32) throw new TypeError('root');
  if (!Array.isArray(heads) || !heads.every((h) => h instanceof Uint8Array)) throw new TypeError('signedTreeHeads');
  return { bytes, treeSize: treeSize as number, root, signedTreeHeads: heads as Uint8Array[], anchored: m.get('anchored') === true };
}

/** The kid of a COSE_Key map as text (see KeySet); throws when it is not a COSE_Key. */
function kidOf(k: unknown): string | undefined {
  if (!(k instanceof Map) || !k.has(KEY_KTY)) throw new TypeError('not a COSE_Key');
  const kid = k.get(KEY_KID);
  if (kid instanceof Uint8Array) return toBase64Url(kid);
  try {
    return toBase64Url(thumbprint(k as CoseKeyMap));
  } catch {
    return undefined; // a key type RFC 9679 has no rule for: keep it, without a kid
  }
}

function keySetOf(bytes: Uint8Array): KeySet {
  const set = cborDecode(bytes);
  if (!Array.isArray(set) || set.length === 0) throw new TypeError('not a non-empty array');
  return { bytes, kids: set.map(kidOf) };
}

/** A session bundle's outer shape (spec/bundle.md); `atlog verify --bundle` checks the rest. */
function bundleOf(bytes: Uint8Array): Uint8Array {
  const m = cborDecode(bytes);
  if (!(m instanceof Map) || !Array.isArray(m.get('statements')) || !(m.get('checkpoint') instanceof Uint8Array)) throw new TypeError('not a bundle');
  return bytes;
}

function seg(s: string, name: string): string {
  if (typeof s !== 'string' || s === '') throw new AtlogError('ERR_INVALID_ARGUMENT', `${name} must be non-empty text`);
  return encodeURIComponent(s);
}

function size(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new AtlogError('ERR_INVALID_ARGUMENT', `${name} must be a tree size (a non-negative integer)`);
  return n;
}

/**
 * Creates a client for the transparency service at `options.url`.
 * @throws AtlogError ERR_INVALID_ARGUMENT for a bad URL or option.
 */
export function createClient(options: ClientOptions): TransparencyClient {
  const o: ResolvedClientOptions = resolveClientOptions(options);
  const at = (path: string): URL => new URL(path, o.url);
  const run = <T>(opts: CallOptions | undefined, fn: (c: Call) => Promise<T>, timeoutMs = o.timeoutMs): Promise<T> => withCall(o, opts ?? {}, timeoutMs, fn);
  const withAlg = (path: string, alg: string | undefined): URL => {
    const u = at(path);
    if (alg !== undefined) u.searchParams.set('alg', alg);
    return u;
  };

  const transparentStatement = (entry: string, opts?: CallOptions): Promise<Uint8Array> =>
    run(opts, async (c) => shaped(await get(c, at(`entries/${seg(entry, 'entry')}/statement`), `${STATEMENT_MEDIA_TYPE}, ${COSE_MEDIA_TYPE}`), 'a COSE_Sign1', receiptBytes));

  const admin = async (c: Call, path: string, init: { method?: string; body?: Uint8Array; headers?: Record<string, string> } = {}): Promise<IssuerView[]> => {
    if (!o.adminToken) throw new AtlogError('ERR_INVALID_ARGUMENT', 'the admin API needs adminToken (ATLOG_ADMIN_TOKEN)');
    const headers = { Accept: 'application/json', Authorization: `Bearer ${o.adminToken}`, ...init.headers };
    const a = init.method === 'POST' ? await c.send(at(path), { method: 'POST', headers, ...(init.body ? { body: init.body } : {}) }) : await get(c, at(path), 'application/json', headers);
    if (a.status !== 200) {
      if (a.status >= 400) throw problemError(decodeProblem(a.status, a.headers.get('content-type'), a.body), a.url);
      throw unexpected(a, `answered ${a.status}`);
    }
    return shaped(a, 'an issuer list', (b) => {
      const j = JSON.parse(new TextDecoder().decode(b)) as { issuers?: unknown };
      if (!Array.isArray(j.issuers)) throw new TypeError('issuers');
      return j.issuers as IssuerView[];
    });
  };

  /** A paged read: GET `path` with the query, the body parsed by `parse` (pages.ts). */
  const page = <T>(opts: CallOptions | undefined, path: string, query: Record<string, number | string | undefined>, accept: string, what: string, parse: (b: Uint8Array) => T): Promise<T> =>
    run(opts, async (c) => {
      const u = at(path);
      for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
      return shaped(await get(c, u, accept), what, parse);
    });
  const session = (agentId: string, sessionId?: string): string =>
    `agents/${seg(agentId, 'agentId')}/sessions${sessionId === undefined ? '' : `/${seg(sessionId, 'sessionId')}`}`;

  return {
    url: o.url,
    register: (statement, opts) => run(opts, (c) => registerStatement(c, o.url, statement), o.registerTimeoutMs),
    waitForReceipt: (location, opts) => run(opts, (c) => waitForReceipt(c, new URL(String(location), o.url)), o.registerTimeoutMs),
    receipt: (entry, opts) => run(opts, async (c) => shaped(await get(c, withAlg(`entries/${seg(entry, 'entry')}`, opts?.alg), COSE_MEDIA_TYPE), 'a receipt (COSE_Sign1)', receiptBytes)),
    receipts: async (entry, opts) => receiptsOf(await transparentStatement(entry, opts)),
    transparentStatement,
    checkpoint: (opts) => run(opts, async (c) => shaped(await get(c, at('checkpoint'), 'application/cbor'), 'a checkpoint', checkpointOf)),
    consistency: (from, to, opts) =>
      run(opts, async (c) => {
        const u = withAlg('proofs/consistency', opts?.alg);
        u.searchParams.set('from', String(size(from, 'from')));
        u.searchParams.set('to', String(size(to, 'to')));
        return shaped(await get(c, u, COSE_MEDIA_TYPE), 'a consistency receipt (COSE_Sign1)', receiptBytes);
      }),
    keys: (opts) => run(opts, async (c) => shaped(await get(c, at('.well-known/scitt-keys'), 'application/cbor'), 'a non-empty COSE_KeySet', keySetOf)),
    key: (kid, opts) =>
      run(opts, async (c) => {
        const id = typeof kid === 'string' ? kid : toBase64Url(kid);
        return shaped(await get(c, at(`.well-known/scitt-keys/${seg(id, 'kid')}`), 'application/cbor'), 'a COSE_Key', (b) => (kidOf(cborDecode(b)), b));
      }),
    sessionEntries: (agentId, sessionId, opts) =>
      run(opts, async (c) => {
        const a = await get(c, at(`agents/${seg(agentId, 'agentId')}/sessions/${seg(sessionId, 'sessionId')}`), 'application/json');
        return shaped(a, 'a session entry list', (b) => {
          const j = JSON.parse(new TextDecoder().decode(b)) as { entries?: unknown };
          if (!Array.isArray(j.entries) || !j.entries.every((e) => typeof e === 'string')) throw new TypeError('entries');
          return j.entries as string[];
        });
      }),
    sessionBundle: (agentId, sessionId, opts) =>
      run(opts, async (c) => {
        const a = await get(c, at(`agents/${seg(agentId, 'agentId')}/sessions/${seg(sessionId, 'sessionId')}/bundle`), 'application/cbor');
        return shaped(a, 'a session bundle', bundleOf);
      }),
    tsaRoot: (opts) =>
      run(opts, async (c) => {
        const a = await get(c, at('tsa/root.pem'), 'application/x-pem-file, text/plain');
        return shaped(a, 'a PEM certificate', (b) => {
          const pem = new TextDecoder().decode(b);
          if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(pem)) throw new TypeError('no certificate');
          return pem;
        });
      }),
    entries: (from, opts) => page(opts, 'entries', { from: size(from, 'from'), limit: opts?.limit }, MT_CBOR_SEQ, 'a page of entries', parseEntryPage),
    checkpoints: (opts) =>
      page(opts, 'checkpoints', { from: opts?.from, limit: opts?.limit, to: opts?.to }, MT_CBOR_SEQ, 'a page of checkpoints', parseCheckpointPage),
    agentSessions: (agentId, opts) => page(opts, session(agentId), { after: opts?.after, limit: opts?.limit }, 'application/json', 'a session list', parseSessionList),
    sessionEntryPage: (agentId, sessionId, from, opts) =>
      page(opts, `${session(agentId, sessionId)}/entries`, { from: size(from, 'from'), limit: opts?.limit }, MT_CBOR_SEQ, 'a page of entries', parseEntryPage),
    issuers: {
      list: (opts) => run(opts, (c) => admin(c, 'admin/issuers')),
      add: (iss, keyFile, opts) =>
        run(opts, (c) => admin(c, `admin/issuers/${seg(iss, 'iss')}/keys`, { method: 'POST', body: keyFile, headers: { 'Content-Type': 'application/octet-stream' } })),
      revoke: (iss, kid, opts) => run(opts, (c) => admin(c, `admin/issuers/${seg(iss, 'iss')}/revoke${kid ? `?kid=${encodeURIComponent(kid)}` : ''}`, { method: 'POST' })),
    },
  };
}
