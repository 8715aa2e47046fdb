/**
 * COSE header parameter labels and related registry values used by atlog (STANDARDS.md; IANA "COSE Header
 * Parameters"). Header maps in the pure core are `Map<number | string, unknown>` keyed by these numbers.
 */

/** RFC 9052 section 3.1 common header parameters. */
export const HEADER_ALG = 1;
export const HEADER_CRIT = 2;
export const HEADER_CONTENT_TYPE = 3;
export const HEADER_KID = 4;
/** RFC 9597: CWT Claims in COSE headers (protected). */
export const HEADER_CWT_CLAIMS = 15;
/** RFC 9360: X.509 certificate chain and thumbprint. */
export const HEADER_X5CHAIN = 33;
export const HEADER_X5T = 34;
/** RFC 9995 Hash Envelope: payload hash algorithm, preimage content type, payload location. */
export const HEADER_PAYLOAD_HASH_ALG = 258;
export const HEADER_PREIMAGE_CONTENT_TYPE = 259;
export const HEADER_PAYLOAD_LOCATION = 260;
/** RFC 9921: RFC 3161 timestamp token over the payload (protected) / over the signature (unprotected). */
export const HEADER_3161_TTC = 269;
export const HEADER_3161_CTT = 270;
/** RFC 9942 COSE Receipts: receipts (394), verifiable data structure (395), verifiable data proofs (396). */
export const HEADER_RECEIPTS = 394;
export const HEADER_VDS = 395;
export const HEADER_VDP = 396;

/**
 * atlog's private-use labels (RFC 9052 section 3.1: labels below -65536) in the protected header of signed tree
 * heads (spec/receipts.md). The tree size binds a tree head (and every receipt derived from it) to the tree it
 * signs before a proof is read; verifiers compare it with the proof's tree_size. The policy hash is the SHA-256
 * of the Registration Policy in force when the head was signed (spec/policy.md).
 */
export const HEADER_TREE_SIZE = -65537;
export const HEADER_POLICY_HASH = -65538;

/** RFC 8392 / RFC 9597 CWT claim keys inside label 15. */
export const CWT_ISS = 1;
export const CWT_SUB = 2;
export const CWT_AUD = 3;
export const CWT_EXP = 4;
export const CWT_NBF = 5;
export const CWT_IAT = 6;
export const CWT_CTI = 7;

/** RFC 9942 / IANA COSE Verifiable Data Structures. */
export const VDS_RFC9162_SHA256 = 1;
export const VDS_CCF_LEDGER_SHA256 = 2;
/** RFC 9942 proof types inside the 396 map. */
export const VDP_INCLUSION = -1;
export const VDP_CONSISTENCY = -2;

/** RFC 9052 section 4.2 / 4.4: CBOR tag of COSE_Sign1 and the Sig_structure context string. */
export const COSE_SIGN1_TAG = 18;
export const SIGNATURE1_CONTEXT = 'Signature1';

/** RFC 9052 section 7 COSE_Key common parameters and RFC 9053 / RFC 9964 key type parameters. */
export const KEY_KTY = 1;
export const KEY_KID = 2;
export const KEY_ALG = 3;
export const KEY_OPS = 4;
export const KEY_CRV = -1; // EC2 / OKP
export const KEY_X = -2; // EC2 / OKP
export const KEY_Y = -3; // EC2
export const KEY_D = -4; // EC2 / OKP private
export const KEY_AKP_PUB = -1; // AKP (RFC 9964)
export const KEY_AKP_PRIV = -2; // AKP seed (RFC 9964)

/** Key types (IANA "COSE Key Types"). */
export const KTY_OKP = 1;
export const KTY_EC2 = 2;
export const KTY_AKP = 7;

/** Curves (IANA "COSE Elliptic Curves"). */
export const CRV_P256 = 1;
export const CRV_P384 = 2;
export const CRV_ED25519 = 6;
