/**
 * Every `AtlogError` code, in one table: what it means and, for a code the HTTP layer answers as a client
 * error or 503, its status and problem title (spec/api.md section 6; SCRAPI -11's titles verbatim where the
 * draft defines one). A code without `http` is answered 500 "Internal Server Error" with a detail that leaks
 * nothing. `AtlogErrorCode` is the union of this table's keys, so a code that is not here does not compile.
 *
 * Adding a code is one line here, in its area's group. Codes are stable: clients and auditors branch on them
 * (docs/api.md, docs/auditor.md), so a code is renamed or removed only with the docs that name it.
 * The AAT chain and delegation families are spelt out one kind per line; `chainBreakCode` and
 * `delegationBreakCode` (src/verify/codes.ts) derive a kind's code, and fail to compile when a kind is missing.
 *
 * Length: one line per code, on purpose; the table is the single place a code exists.
 */

/** HTTP status and problem title of a code. */
export type HttpProblem = readonly [status: number, title: string];

const MALFORMED: HttpProblem = [400, 'Malformed request'];
const BAD_ALG: HttpProblem = [400, 'Bad Signature Algorithm'];
const CONFIRMATION_MISSING: HttpProblem = [400, 'Confirmation Missing'];
const PAYLOAD_MISSING: HttpProblem = [400, 'Payload Missing'];
const REJECTED: HttpProblem = [400, 'Rejected'];
const NOT_FOUND: HttpProblem = [404, 'Not Found'];
const TOO_LARGE: HttpProblem = [413, 'Payload Too Large'];
const UNAVAILABLE: HttpProblem = [503, 'Service Unavailable'];

/** One row of the table. */
export interface ErrorCodeInfo {
  /** What went wrong, in plain words. */
  readonly meaning: string;
  /** Status and problem title when the HTTP layer answers this code; absent means 500. */
  readonly http?: HttpProblem;
}

const TABLE = {
  // General input checks of the pure core (src/util, argument validation).
  ERR_INVALID_ARGUMENT: { meaning: 'an argument has the wrong type or shape', http: MALFORMED },
  ERR_INVALID_BASE64: { meaning: 'text is not unpadded base64url', http: MALFORMED },
  ERR_INVALID_HEX: { meaning: 'text is not an even-length hex string', http: MALFORMED },
  ERR_INVALID_RANGE: { meaning: 'a tree size range is not 0 < from <= to <= log size', http: MALFORMED },
  ERR_INTERNAL: { meaning: 'a bug: an invariant does not hold' },
  ERR_HASH_UNSUPPORTED: { meaning: 'a hash algorithm atlog does not implement' },

  // Strict CBOR (spec/cose.md).
  ERR_CBOR_EMPTY: { meaning: 'CBOR input is empty', http: MALFORMED },
  ERR_CBOR_TRUNCATED: { meaning: 'CBOR input ends inside an item', http: MALFORMED },
  ERR_CBOR_TRAILING_BYTES: { meaning: 'bytes follow the one CBOR item', http: MALFORMED },
  ERR_CBOR_MALFORMED: { meaning: 'not well-formed CBOR (e.g. an unexpected break code)', http: MALFORMED },
  ERR_CBOR_NON_MINIMAL: { meaning: 'an integer or length head is not in its shortest form', http: MALFORMED },
  ERR_CBOR_INDEFINITE_LENGTH: { meaning: 'an indefinite-length item, which deterministic CBOR forbids', http: MALFORMED },
  ERR_CBOR_INVALID_UTF8: { meaning: 'a text string is not valid UTF-8', http: MALFORMED },
  ERR_CBOR_DUPLICATE_KEY: { meaning: 'a map holds the same key twice', http: MALFORMED },
  ERR_CBOR_RESERVED: { meaning: 'a reserved or unsupported head, simple value or tag number', http: MALFORMED },
  ERR_CBOR_TOO_DEEP: { meaning: 'items nest deeper than 64 levels', http: MALFORMED },
  ERR_CBOR_TOO_LARGE: { meaning: 'CBOR input above the decoder limit', http: MALFORMED },
  ERR_CBOR_UNSUPPORTED_TYPE: { meaning: 'a value with no single deterministic CBOR encoding', http: MALFORMED },

  // COSE (RFC 9052).
  ERR_COSE_NOT_SIGN1: { meaning: 'not a tag-18 COSE_Sign1', http: MALFORMED },
  ERR_COSE_MALFORMED: { meaning: 'a COSE_Sign1 of the wrong shape', http: MALFORMED },
  ERR_COSE_BAD_HEADER: { meaning: 'a header parameter of the wrong type', http: MALFORMED },
  ERR_COSE_DUPLICATE_LABEL: { meaning: 'a label in both the protected and the unprotected header', http: MALFORMED },
  ERR_COSE_CRIT_UNSUPPORTED: { meaning: 'a critical header parameter atlog does not understand', http: MALFORMED },
  ERR_COSE_MISSING_ALG: { meaning: 'the protected header has no alg (1)', http: MALFORMED },
  ERR_COSE_UNKNOWN_ALG: { meaning: 'a COSE algorithm atlog does not support', http: BAD_ALG },
  ERR_COSE_ALG_MISMATCH: { meaning: 'the algorithm does not fit the key', http: MALFORMED },
  ERR_COSE_BAD_SIGNATURE_LENGTH: { meaning: "a signature of the wrong length for its algorithm", http: MALFORMED },
  ERR_COSE_PAYLOAD_MISSING: { meaning: 'a detached payload that was not supplied', http: MALFORMED },
  ERR_COSE_PAYLOAD_CONFLICT: { meaning: 'a payload was supplied for a message that carries another', http: MALFORMED },

  // Keys (PEM, COSE_Key, COSE_KeySet).
  ERR_KEY_FORMAT: { meaning: 'a key file that is neither PEM, COSE_Key nor COSE_KeySet', http: MALFORMED },
  ERR_KEY_INVALID: { meaning: 'key material that does not parse or is not on its curve', http: MALFORMED },
  ERR_KEY_UNSUPPORTED: { meaning: 'a key type or curve atlog does not support', http: MALFORMED },
  ERR_KEY_ALG_MISMATCH: { meaning: "a key's alg does not fit its key type", http: MALFORMED },
  ERR_KEY_SET_EMPTY: { meaning: 'a COSE_KeySet with no supported key', http: MALFORMED },
  ERR_KEY_NOT_PRIVATE: { meaning: 'a key file with no private key (or several) where one signing key is needed' },

  // Merkle math (RFC 9162): hostile sizes, indexes, hashes and proofs.
  ERR_MERKLE_BAD_HASH: { meaning: 'a hash that is not 32 bytes', http: MALFORMED },
  ERR_MERKLE_BAD_PROOF: { meaning: 'a proof that is not an array of 32-byte hashes of the right length', http: MALFORMED },
  ERR_MERKLE_BAD_SIZE: { meaning: 'a tree size that is not a non-negative safe integer', http: MALFORMED },
  ERR_MERKLE_INDEX_OUT_OF_RANGE: { meaning: 'a leaf index not below the tree size', http: MALFORMED },
  ERR_MERKLE_EMPTY_CONSISTENCY: { meaning: 'a consistency proof from size 0, which proves nothing', http: MALFORMED },
  ERR_MERKLE_READER: { meaning: 'the node reader returned the wrong number of hashes (a storage fault)' },

  // C2SP transparency-log formats: signed notes, note keys, checkpoints, cosignatures, tiles (spec/tlog.md).
  ERR_KEY_NOTE_NAME: { meaning: 'a note key name that is empty, has a space or a +, or is above 255 bytes', http: MALFORMED },
  ERR_KEY_NOTE_MALFORMED: { meaning: 'a vkey or skey that is not name+keyid+base64(type || key) of the right length', http: MALFORMED },
  ERR_KEY_NOTE_UNSUPPORTED: { meaning: 'a note key of a signature type other than 0x01, 0x04 and 0x06', http: MALFORMED },
  ERR_KEY_NOTE_ID_MISMATCH: { meaning: 'a vkey or skey whose key ID is not the one of its name, type and key', http: MALFORMED },
  ERR_NOTE_MALFORMED: { meaning: 'a signed note that breaks the signed-note format or atlog limits (100 lines, 1 MiB)', http: MALFORMED },
  ERR_NOTE_BAD_SIGNATURE: { meaning: "a known key's signature on a note does not verify", http: MALFORMED },
  ERR_NOTE_UNVERIFIED: { meaning: 'a note with no signature from a known key', http: MALFORMED },
  ERR_NOTE_AMBIGUOUS_KEY: { meaning: 'two different keys configured with the same name and key ID' },
  ERR_CHECKPOINT_MALFORMED: { meaning: 'a checkpoint text that breaks tlog-checkpoint (lines, size, root)', http: MALFORMED },
  ERR_CHECKPOINT_ORIGIN_MISMATCH: { meaning: 'a checkpoint of another origin than the one expected', http: MALFORMED },
  ERR_CHECKPOINT_UNSIGNED: { meaning: 'a checkpoint that no key of the log signed', http: MALFORMED },
  ERR_CHECKPOINT_QUORUM: { meaning: 'fewer witnesses cosigned a checkpoint than the quorum requires', http: MALFORMED },
  ERR_CHECKPOINT_ROLLBACK: { meaning: 'a checkpoint smaller than one the client verified before' },
  ERR_TLOG_ENTRY_NOT_FOUND: { meaning: "an entry that is not in the checkpoint's tree (searched in its level 0 tiles)" },
  ERR_TLOG_INCLUSION_INVALID: { meaning: "tiles that do not prove an entry included under the checkpoint's root" },
  ERR_COSIGNATURE_INVALID: { meaning: 'a cosignature that cannot be made: bad timestamp, subtree, name length or extension lines' },
  ERR_TILE_COORDINATES: { meaning: 'a tile level, index, width or tree size out of range, or a node outside the tree' },
  ERR_TILE_PATH_INVALID: { meaning: 'a path that is not a canonical tlog-tiles tile or entry bundle path', http: NOT_FOUND },
  ERR_TILE_READER: { meaning: 'a tile fetcher returned a tile of the wrong length' },
  ERR_ENTRY_BUNDLE_MALFORMED: { meaning: 'an entry bundle that is truncated, too long or has the wrong count', http: MALFORMED },
  ERR_WITNESS_REQUEST_MALFORMED: { meaning: 'an add-checkpoint body that breaks tlog-witness (witness answers 400)', http: MALFORMED },
  ERR_WITNESS_ANSWER_MALFORMED: { meaning: "a witness's size answer that is not a decimal and a newline" },

  // Signed Statements (RFC 9943 profile, spec/statements.md).
  ERR_STATEMENT_MALFORMED: { meaning: 'the statement is not a tagged COSE_Sign1', http: MALFORMED },
  ERR_STATEMENT_BAD_ALG: { meaning: 'alg (1) is not an integer algorithm id', http: MALFORMED },
  ERR_STATEMENT_MISSING_ALG: { meaning: 'the protected header has no alg (1)', http: BAD_ALG },
  ERR_STATEMENT_MISSING_KID: { meaning: 'neither kid (4) nor x5chain/x5t identify the signing key', http: CONFIRMATION_MISSING },
  ERR_STATEMENT_MISSING_CWT: { meaning: 'the protected header has no CWT claims (15)', http: MALFORMED },
  ERR_STATEMENT_BAD_CWT: { meaning: 'the CWT claims are not a map of the right types', http: MALFORMED },
  ERR_STATEMENT_MISSING_ISS: { meaning: 'the CWT claims have no iss (1)', http: MALFORMED },
  ERR_STATEMENT_MISSING_SUB: { meaning: 'the CWT claims have no sub (2)', http: MALFORMED },
  ERR_STATEMENT_PAYLOAD_MISSING: { meaning: 'the statement payload is detached', http: PAYLOAD_MISSING },
  ERR_STATEMENT_BAD_HASH_ENVELOPE: { meaning: 'RFC 9995 Hash Envelope headers that do not fit together', http: MALFORMED },
  ERR_STATEMENT_BAD_SIGNATURE: { meaning: "the issuer's signature does not verify with any given issuer key", http: MALFORMED },
  ERR_STATEMENT_UNKNOWN_KEY: { meaning: "no given issuer key has the statement's algorithm", http: MALFORMED },

  // Receipts (RFC 9942) and signed tree heads.
  ERR_RECEIPT_MALFORMED: { meaning: 'not a receipt atlog can read' },
  ERR_RECEIPT_UNSUPPORTED_VDS: { meaning: 'the vds is not 1 (RFC 9162), or 2 without a CCF trust store' },
  ERR_RECEIPT_UNSUPPORTED_PROOF: { meaning: 'no proof of the needed type, or several' },
  ERR_RECEIPT_UNSUPPORTED_ALG: { meaning: 'a receipt algorithm atlog cannot verify' },
  ERR_RECEIPT_UNKNOWN_KEY: { meaning: "no trusted service key of the receipt's algorithm and kid; keys given without a kid were tried and did not verify it" },
  ERR_RECEIPT_INDEX_OUT_OF_RANGE: { meaning: 'a leaf index not below the tree size' },
  ERR_RECEIPT_INCLUSION_INVALID: { meaning: 'the root computed from the entry and its path is not the signed one' },
  ERR_RECEIPT_CONSISTENCY_INVALID: { meaning: 'the proof does not extend the old tree to the signed new one' },
  ERR_RECEIPT_BAD_SIGNATURE: { meaning: "a tree head's signature does not verify over its root" },

  // AAT records (draft-sharif-agent-audit-trail, spec/aat.md).
  ERR_AAT_NOT_JSON: { meaning: 'a value that is not I-JSON, so it has no JCS form', http: REJECTED },
  ERR_AAT_INVALID: { meaning: 'a record that fails the AAT schema', http: REJECTED },
  ERR_AAT_KEY: { meaning: 'a key for in-record signatures that is not a valid P-256 key', http: REJECTED },
  ERR_AAT_CHAIN_EMPTY: { meaning: 'a session with no records', http: REJECTED },
  ERR_AAT_CHAIN_INVALID_RECORD: { meaning: 'a record of the session fails the AAT schema', http: REJECTED },
  ERR_AAT_CHAIN_BAD_GENESIS: { meaning: 'the first record is not lifecycle/session_start, or a second one appears', http: REJECTED },
  ERR_AAT_CHAIN_EDITED: { meaning: "prev_hash is not the hash of the parent: a record changed after chaining", http: REJECTED },
  ERR_AAT_CHAIN_REMOVED: { meaning: 'a parent record is missing: a gap', http: REJECTED },
  ERR_AAT_CHAIN_REORDERED: { meaning: 'a parent record appears after its child', http: REJECTED },
  ERR_AAT_CHAIN_FORKED: { meaning: 'two records claim the same parent', http: REJECTED },
  ERR_AAT_CHAIN_DUPLICATE: { meaning: 'a record_id used twice', http: REJECTED },
  ERR_AAT_CHAIN_TIMESTAMP_REGRESSION: { meaning: "a timestamp before the previous record's", http: REJECTED },
  ERR_AAT_CHAIN_SESSION_MISMATCH: { meaning: "a session_id or agent_id other than the genesis record's", http: REJECTED },
  ERR_AAT_CHAIN_BAD_SESSION_HASH: { meaning: "session_end's session_hash or record_count is wrong", http: REJECTED },
  ERR_AAT_CHAIN_AFTER_SESSION_END: { meaning: 'a record after lifecycle/session_end', http: REJECTED },
  ERR_AAT_CHAIN_BAD_SIGNATURE: { meaning: 'an in-record signature does not verify, or a required one is missing', http: REJECTED },
  ERR_AAT_CHAIN_UNVERIFIABLE: { meaning: 'the chain could not be evaluated (not an array, an unexpected error)', http: REJECTED },
  // In-record signatures and completeness as the offline verifier reports them (spec/aat.md sections 2.6 and 3).
  ERR_AAT_RECORD_BAD_SIGNATURE: { meaning: 'a record signature does not verify with the key its signer_kid names' },
  ERR_AAT_RECORD_HIGH_S: { meaning: 'a -06 record signature verifies only with high S' },
  ERR_AAT_RECORD_SIGNER_MISMATCH: { meaning: 'signer_kid names none of the given keys, yet one of them made the signature' },
  ERR_AAT_RECORD_KEY_MISSING: { meaning: 'a signed record whose key was not given, while record signatures are required' },
  ERR_AAT_RECORD_UNSIGNED: { meaning: 'an unsigned record, while record signatures are required' },
  ERR_AAT_RECORD_UNSUPPORTED_ALG: { meaning: 'a sig_alg atlog does not verify, while record signatures are required' },
  ERR_AAT_SESSION_OPEN: { meaning: 'no session_end, though the heartbeat says the session is still running: not proven complete' },
  ERR_AAT_SESSION_INCONCLUSIVE: { meaning: 'nothing proves the session complete: no session_end, or one without session_hash/record_count' },
  ERR_AAT_FILE_MALFORMED: { meaning: 'an AAT file that is neither a JSON array of records nor JSON Lines' },

  // The offline verifier's own findings (docs/auditor.md).
  ERR_VERIFY_NO_RECEIPT: { meaning: 'no receipt given and none under label 394' },
  ERR_VERIFY_NO_ISSUER_KEY: { meaning: 'an issuer signature was required but no issuer key was given' },
  ERR_VERIFY_NO_TIMESTAMP: { meaning: 'TSA roots were given but a receipt carries no 3161-ctt token' },
  ERR_VERIFY_MISSING_ALG: { meaning: 'a required algorithm that no verified receipt uses' },
  ERR_VERIFY_SPLIT_VIEW: { meaning: 'two signed, conflicting views of the log' },
  ERR_VERIFY_TRUST_STORE: { meaning: 'a CCF trust store that does not parse' },
  ERR_VERIFY_NOTHING_CHECKED: { meaning: 'no check ran, so nothing is proven' },
  ERR_VERIFY_INTERNAL: { meaning: 'a check threw something other than an AtlogError (fail closed)' },
  ERR_VERIFY_CANNOT_EVALUATE: { meaning: 'the verifier could not start: a usage or input error (CLI exit 2)' },

  // Session export bundles (spec/bundle.md).
  ERR_BUNDLE_MALFORMED: { meaning: 'not a session bundle atlog can read' },
  ERR_BUNDLE_UNSUPPORTED_VERSION: { meaning: 'a bundle version other than 1' },
  ERR_BUNDLE_NOT_IN_CHECKPOINT: { meaning: "a statement with no receipt against the bundle's checkpoint" },
  ERR_BUNDLE_ORDER: { meaning: 'statements not in log order' },
  ERR_BUNDLE_NOT_IN_SESSION: { meaning: "a record of another agent or session than the bundle's" },
  ERR_BUNDLE_RECORD_UNAVAILABLE: { meaning: 'a record that is not in the bundle (Hash Envelope) or unreadable' },

  // Evidence files and their audit (spec/bundle.md sections 4 to 6, docs/auditor.md).
  ERR_EVIDENCE_MALFORMED: { meaning: 'not an evidence file atlog can read: bad CBOR, or an item of the wrong shape' },
  ERR_EVIDENCE_UNSUPPORTED_VERSION: { meaning: 'an evidence format version other than 1' },
  ERR_EVIDENCE_TRUNCATED: { meaning: "no end item, or the end item's counts differ from the items read" },
  ERR_EVIDENCE_ORDER: { meaning: 'entries or checkpoints not in strictly increasing log order' },
  ERR_EVIDENCE_GAP: { meaning: 'a log index missing from an export that claims a contiguous range' },
  ERR_EVIDENCE_OUT_OF_SELECTION: { meaning: "an entry the header's selection does not cover" },
  ERR_EVIDENCE_NOT_IN_CHECKPOINT: { meaning: "an entry whose receipts are not against the checkpoint item before it" },
  ERR_EVIDENCE_CHECKPOINT_MISMATCH: { meaning: "a checkpoint item whose tree heads do not sign its size and root" },
  ERR_AUDIT_UNPINNED_KEYS: { meaning: "no service keys given: the evidence checks out only under the keys it carries itself" },
  ERR_AUDIT_NOT_ANCHORED: { meaning: 'a tree head carries no RFC 3161 token (or no TSA root was pinned) while the audit requires every one anchored' },
  ERR_AUDIT_UNDETERMINED: { meaning: 'something that decides validity lies outside the evidence (a record or delegation not in the file)' },
  ERR_DELEGATION_TASK_MISMATCH: { meaning: "delegated_by.task_description_hash differs from the delegation's" },

  // Delegation links between sessions (spec/bundle.md section 3).
  ERR_DELEGATION_EMPTY: { meaning: 'no session given' },
  ERR_DELEGATION_INVALID_SESSION: { meaning: 'a session that does not verify as a chain' },
  ERR_DELEGATION_BAD_ENTRIES: { meaning: 'entry hashes missing, of the wrong count, or not 64 lowercase hex' },
  ERR_DELEGATION_DUPLICATE_SESSION: { meaning: 'the same record_id in two sessions' },
  ERR_DELEGATION_MISSING_DELEGATION: { meaning: 'delegated_by names a record no other session holds' },
  ERR_DELEGATION_NOT_DELEGATION: { meaning: 'the named record is not action_type delegation' },
  ERR_DELEGATION_DELEGATION_FAILED: { meaning: 'the delegation did not succeed' },
  ERR_DELEGATION_DELEGATOR_MISMATCH: { meaning: 'delegated_by.agent_id is not the agent of the delegating session' },
  ERR_DELEGATION_DELEGATE_MISMATCH: { meaning: "delegate_agent_id is not the delegate session's agent" },
  ERR_DELEGATION_ENTRY_MISMATCH: { meaning: "delegated_by.entry is not the delegation's log entry" },
  ERR_DELEGATION_TRUST_ESCALATION: { meaning: 'a delegate record above the delegated trust level' },
  ERR_DELEGATION_TIME_ORDER: { meaning: "the delegation does not precede the delegate's genesis" },
  ERR_DELEGATION_DELEGATION_REUSED: { meaning: 'two sessions claim the same delegation record' },
  ERR_DELEGATION_CYCLE: { meaning: 'delegated_by links come back to a session already visited' },
  ERR_DELEGATION_ROOT_MISMATCH: { meaning: "the root session's agent is not the expected root agent" },
  ERR_DELEGATION_MULTIPLE_ROOTS: { meaning: 'more than one session without delegated_by' },

  // RFC 3161 timestamps (spec/anchoring.md).
  ERR_TSA_MALFORMED: { meaning: 'a timestamp request, response, token or certificate that does not parse' },
  ERR_TSA_STATUS: { meaning: 'the TSA refused the request (PKIStatus not granted)' },
  ERR_TSA_CONTENT_TYPE: { meaning: 'the token is not CMS SignedData of TSTInfo' },
  ERR_TSA_IMPRINT_MISMATCH: { meaning: 'the token covers other bytes than the ones asked for' },
  ERR_TSA_NONCE_MISMATCH: { meaning: 'the TSA did not echo the nonce' },
  ERR_TSA_POLICY: { meaning: 'a TSA policy other than the required one' },
  ERR_TSA_SIGNER_NOT_FOUND: { meaning: 'the signer certificate is not in the token' },
  ERR_TSA_ESS_CERT_ID: { meaning: 'the signed ESS certificate identifier is missing or names another certificate' },
  ERR_TSA_EKU: { meaning: 'the signer lacks a critical id-kp-timeStamping extendedKeyUsage' },
  ERR_TSA_MESSAGE_DIGEST: { meaning: 'the messageDigest attribute is missing or wrong' },
  ERR_TSA_BAD_SIGNATURE: { meaning: 'the CMS signature does not verify' },
  ERR_TSA_UNSUPPORTED_ALGORITHM: { meaning: 'a digest or signature algorithm atlog does not support' },
  ERR_TSA_UNTRUSTED_ROOT: { meaning: 'the TSA certificate does not chain to a configured root' },
  ERR_TSA_CERT_EXPIRED: { meaning: 'a certificate not valid at the token genTime' },
  ERR_TSA_FUTURE_TIME: { meaning: 'a genTime in the future' },
  ERR_TSA_CONFIG: { meaning: 'a --tsa or --tsa-root setting that cannot be used' },
  ERR_TSA_HTTP: { meaning: 'the TSA answered an HTTP status other than 200' },
  ERR_TSA_TIMEOUT: { meaning: 'the TSA did not answer in time' },
  ERR_TSA_UNREACHABLE: { meaning: 'the TSA cannot be reached' },
  ERR_TSA_STORE: { meaning: "the embedded TSA's files are incomplete or hold the wrong thing" },
  ERR_TSA_INTERNAL: { meaning: 'a bug in the embedded TSA' },

  // The Merkle log on disk (spec/log-storage.md).
  ERR_LOG_LOCKED: { meaning: 'another process holds the log directory' },
  ERR_LOG_IO: { meaning: 'a read or write of the log failed' },
  ERR_LOG_FORMAT: { meaning: 'an unknown log format version' },
  ERR_LOG_CORRUPT: { meaning: 'stored state, tiles and root disagree' },
  ERR_LOG_CLOSED: { meaning: 'the log store is closed' },
  ERR_LOG_FULL: { meaning: 'the log holds 2^48 - 1 entries' },
  ERR_LOG_BAD_SIZE: { meaning: 'a tree size beyond the log' },
  ERR_LOG_INDEX_OUT_OF_RANGE: { meaning: 'an entry index beyond the log' },
  ERR_LOG_PUSHBACK: { meaning: 'the registration queue is full; retry after Retry-After', http: UNAVAILABLE },

  // Registration (SCRAPI -11 POST /entries, spec/policy.md).
  ERR_REG_MALFORMED: { meaning: 'the body is not a valid Signed Statement', http: MALFORMED },
  ERR_REG_BAD_ALG: { meaning: 'an algorithm that is unknown or not allowed by the policy', http: BAD_ALG },
  ERR_REG_PAYLOAD_MISSING: { meaning: 'the statement payload is detached', http: PAYLOAD_MISSING },
  ERR_REG_REJECTED: { meaning: 'the Registration Policy refuses the statement (details.reason says why)', http: REJECTED },
  ERR_REG_TOO_LARGE: { meaning: "a statement above the policy's max_statement_bytes", http: TOO_LARGE },
  ERR_ISSUER_NOT_FOUND: { meaning: 'an issuer the service does not know', http: NOT_FOUND },

  // The Registration Policy file.
  ERR_POLICY_READ: { meaning: 'the policy file cannot be read', http: REJECTED },
  ERR_POLICY_SYNTAX: { meaning: 'the policy file is not YAML', http: REJECTED },
  ERR_POLICY_INVALID: { meaning: 'a policy field of the wrong type or value (details.field names it)', http: REJECTED },
  ERR_POLICY_RULE_SYNTAX: { meaning: 'an action rule that does not parse (details.column)', http: REJECTED },
  ERR_POLICY_DENIED: { meaning: "a rule of the agent's local policy refused an action before it ran (details.rule, details.reason)" },

  // The service.
  ERR_SERVICE_CLOSED: { meaning: 'the service is closing', http: UNAVAILABLE },
  ERR_SERVICE_OPTIONS: { meaning: 'a service option out of range' },
  ERR_SERVICE_KEY_INVALID: { meaning: 'a service key file that cannot be read' },
  ERR_SERVICE_KEY_PERMISSIONS: { meaning: 'a private service key readable by others' },
  ERR_SERVICE_STATE_CORRUPT: { meaning: 'stored service state that does not decode' },
  ERR_SERVICE_VERIFY_WORKER: { meaning: 'a signature check worker failed' },
  ERR_SERVICE_INTERNAL: { meaning: 'a bug in the service: an invariant does not hold' },

  // The witness (src/witness, spec/tlog.md section 8); it answers tlog-witness statuses itself.
  ERR_WITNESS_CONFIG: { meaning: 'witness settings that cannot work: key file, --log values' },
  ERR_WITNESS_LOCKED: { meaning: 'the witness state directory is held by another process' },
  ERR_WITNESS_IO: { meaning: 'the witness state cannot be read or written' },
  ERR_WITNESS_UNKNOWN_LOG: { meaning: 'a checkpoint of a log the witness does not follow (witness answers 404)' },
  ERR_WITNESS_UNVERIFIED: { meaning: "a checkpoint not validly signed by the log's keys (witness answers 403)" },
  ERR_WITNESS_OLD_SIZE: { meaning: 'an old size above the checkpoint size (witness answers 400)' },
  ERR_WITNESS_CANNOT_COSIGN: { meaning: 'no witness key can cosign this checkpoint (ML-DSA-44 only, extension lines)' },
  ERR_WITNESS_CONFLICT: { meaning: 'an old size other than the one the witness cosigned last (witness answers 409)' },
  ERR_WITNESS_INCONSISTENT: { meaning: 'a checkpoint that does not extend the one the witness cosigned (witness answers 422)' },
  ERR_WITNESS_REQUEST_TOO_LARGE: { meaning: 'an add-checkpoint body above the limit (witness answers 413)' },

  // Configuration (src/config).
  ERR_CONFIG_INVALID: { meaning: 'a configuration value out of range or of the wrong type' },
  ERR_CONFIG_UNREADABLE: { meaning: 'the config file cannot be read' },

  // The HTTP layer (spec/api.md).
  ERR_HTTP_MALFORMED: { meaning: 'a request that cannot be parsed: bad query values, an aborted body', http: MALFORMED },
  ERR_HTTP_INVALID_LOCATOR: { meaning: '/entries/{x} where x is no entry id, operation id or index', http: [400, 'Invalid locator'] },
  ERR_HTTP_UNAUTHORIZED: { meaning: 'an admin request without a valid bearer token', http: [401, 'Unauthorized'] },
  ERR_HTTP_NOT_FOUND: { meaning: 'an unknown entry, index, session, path, or an empty log', http: NOT_FOUND },
  ERR_HTTP_OPERATION_NOT_FOUND: { meaning: 'an unknown or forgotten operation id', http: [404, 'Operation Not Found'] },
  ERR_HTTP_NO_SUCH_KEY: { meaning: 'an unknown kid', http: [404, 'No such key'] },
  ERR_HTTP_BODY_TOO_LARGE: { meaning: 'a request body above the body limit', http: TOO_LARGE },
  ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: { meaning: 'POST /entries with another Content-Type', http: [415, 'Unsupported Media Type'] },
  ERR_HTTP_RATE_LIMITED: { meaning: "the client's token bucket is empty", http: [429, 'Too Many Requests'] },
  ERR_HTTP_SHUTTING_DOWN: { meaning: 'the server is shutting down', http: UNAVAILABLE },

  // The SCRAPI client (src/client, docs/api.md "Client"); details.problem holds a decoded problem answer.
  ERR_CLIENT_REJECTED: { meaning: 'the service refused the request with a 4xx problem (not 404 or 429)' },
  ERR_CLIENT_NOT_FOUND: { meaning: 'the service answered 404: no such entry, operation, key or session' },
  ERR_CLIENT_UNAVAILABLE: { meaning: 'still 429 or 502-504 after the retries, or a Retry-After beyond the time limit' },
  ERR_CLIENT_SERVER_ERROR: { meaning: 'the service answered another 5xx' },
  ERR_CLIENT_NETWORK: { meaning: 'no connection to the service after the retries' },
  ERR_CLIENT_TIMEOUT: { meaning: "the call's time limit passed (details.location: an operation to poll later)" },
  ERR_CLIENT_ABORTED: { meaning: "the caller's AbortSignal fired" },
  ERR_CLIENT_UNEXPECTED: { meaning: 'an answer outside the protocol, e.g. a 201 whose body is no receipt' },

  // The agent SDK (src/sdk, docs/agents.md).
  ERR_SDK_CLOSED: { meaning: 'a session that is closed (or closing) was asked to record' },
  ERR_SDK_BROKEN: { meaning: 'the service refused a record of the session, so no later record can join its chain (details.record_id, cause)' },
  ERR_SDK_UNREACHABLE: { meaning: 'the service could not be reached where the tier or the call needs a registration (the tool did not run)' },
  ERR_SDK_RECEIPT_INVALID: { meaning: 'strong tier: the receipt of the pre-execution record does not verify with serviceKeys (the tool did not run)' },
  ERR_SDK_CALL_STATE: { meaning: 'a tool call ended twice, or ended after it was denied or not run' },
  ERR_SDK_DELEGATION: { meaning: 'a delegation token that is malformed, names another delegate, or whose record is no delegation (details.reason)' },
  ERR_SDK_TRUST_ESCALATION: { meaning: 'a delegate asked for a trust level above the one it was given' },
  // The OpenTelemetry exporter (src/integrations/otel, docs/integrations.md).
  ERR_OTEL_UNMAPPED: { meaning: 'a GenAI span whose agent has no identity in the exporter\'s agents option (not recorded; details.span_id)' },
  ERR_QUEUE_INVALID: { meaning: 'a file in the queue directory that is not an atlog queue file' },
  ERR_QUEUE_LOCKED: { meaning: "a session's queue is held by a live process" },
  ERR_SESSION_STATE: { meaning: 'an atlog session state file that is missing, unreadable or closed' },

  // The log monitor (spec/monitor.md).
  ERR_MONITOR_STATE: { meaning: 'the monitor state file cannot be read or written, is not a state file, or its recorded head no longer verifies' },
  ERR_MONITOR_ROLLBACK: { meaning: 'the log now signs a smaller tree, or another root for the same size, than it signed before' },
  ERR_MONITOR_LOG_EMPTY: { meaning: 'the service says its log is empty after it signed a tree head before' },
  ERR_MONITOR_PROOF_SIZES: { meaning: 'a consistency proof between other tree sizes than the monitor asked for' },

  // The command line.
  ERR_CLI_USAGE: { meaning: 'options that do not fit together' },
  ERR_CLI_PDF: { meaning: 'headless Chromium did not print the report to PDF' },
  ERR_CLI_EXISTS: { meaning: 'an output file exists (use --force)' },
  ERR_CLI_NO_TOKEN: { meaning: 'ATLOG_ADMIN_TOKEN is not set' },
  ERR_CLI_NOT_A_STATEMENT: { meaning: 'a file given as a Signed Statement is something else (the message says what)' },
} satisfies Readonly<Record<`ERR_${Uppercase<string>}`, ErrorCodeInfo>>;

/** A stable atlog error code: one of the keys of {@link ERROR_CODES}. */
export type AtlogErrorCode = keyof typeof TABLE;

/** The table, by code. */
export const ERROR_CODES: Readonly<Record<AtlogErrorCode, ErrorCodeInfo>> = TABLE;

/** True when `code` is a key of the table (for codes read from outside, e.g. a problem answer). */
export function isAtlogErrorCode(code: unknown): code is AtlogErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
