import { AtlogError } from '../errors.js';
import { importPem, type PublicKey } from '../keys/index.js';
import { parseCertificate } from '../x509/certificate.js';
import { fromBase64, toBase64 } from '../util/bytes.js';

/**
 * Service keys of a CCF-profile (vds 2) transparency service from its trust store. The scitt-ccf-ledger trust
 * store format is JSON `{ "parameters": [ { "serviceCertificate": base64 DER, "serviceId", ... } ] }`; each
 * certificate's subjectPublicKeyInfo is one trusted service key (P-384 for the production services).
 * Certificate validity dates are not enforced: a receipt outlives its service certificate by design.
 */

function spkiPem(spki: Uint8Array): string {
  const b64 = toBase64(spki).replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

/**
 * Parse a CCF trust store (JSON text or bytes) into public keys.
 * @throws AtlogError ERR_VERIFY_TRUST_STORE when the JSON has no usable service certificate.
 */
export function ccfTrustStoreKeys(json: string | Uint8Array): PublicKey[] {
  const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new AtlogError('ERR_VERIFY_TRUST_STORE', 'CCF trust store is not JSON', { cause: e });
  }
  const params = (doc as { parameters?: unknown }).parameters;
  if (!Array.isArray(params) || params.length === 0) throw new AtlogError('ERR_VERIFY_TRUST_STORE', 'CCF trust store has no "parameters" array');
  const keys: PublicKey[] = [];
  for (const [i, p] of params.entries()) {
    const cert = (p as { serviceCertificate?: unknown }).serviceCertificate;
    if (typeof cert !== 'string') throw new AtlogError('ERR_VERIFY_TRUST_STORE', `parameters[${i}].serviceCertificate is not a string`);
    try {
      keys.push(importPem(spkiPem(parseCertificate(fromBase64(cert)).spki)) as PublicKey);
    } catch (e) {
      throw new AtlogError('ERR_VERIFY_TRUST_STORE', `parameters[${i}].serviceCertificate is not a usable certificate`, { cause: e });
    }
  }
  return keys;
}
