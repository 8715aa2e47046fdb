/**
 * What the sequencer needs from trusted time: one RFC 3161 token for one message imprint.
 * Implementations: the embedded TSA (src/tsa-server/) and the HTTP TSA client (src/tsa/client.ts).
 * RFC 9921 `3161-ctt`: the imprint is SHA-256 over the CBOR encoding of a tree head's `signature` field, bstr
 * head included.
 */
export interface Timestamper {
  /** A short name for logs and metrics, e.g. "embedded" or the TSA URL. */
  readonly name: string;
  /**
   * Obtain and verify a token whose messageImprint is `imprint` (a 32-byte SHA-256 digest).
   * @returns the DER-encoded TimeStampToken (CMS ContentInfo), as carried under COSE label 270.
   * @throws AtlogError (`ERR_TSA_*`) when the TSA is unreachable or its answer does not verify.
   */
  timestamp(imprint: Uint8Array): Promise<Uint8Array>;
}
