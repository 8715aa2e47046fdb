import { AtlogError } from '../errors.js';
import { fromBase64, toBase64 } from '../util/bytes.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';

/** PEM armour for certificates (RFC 7468 section 5). Pure, browser-safe. */

/** PEM-armour a DER certificate, 64 base64 characters a line. */
export function certificateToPem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${toBase64(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Accept trust roots as DER bytes or PEM (text, or the bytes of a PEM file; one or more CERTIFICATE blocks each).
 * @throws AtlogError `ERR_TSA_MALFORMED` on a string without a certificate, or a certificate that does not parse.
 */
export function normalizeRoots(roots: ReadonlyArray<Uint8Array | string>): ParsedCertificate[] {
  const out: ParsedCertificate[] = [];
  for (const item of roots) {
    // Bytes that start with "-----BEGIN" are PEM text read from a file, not DER (which starts with 0x30).
    const r = typeof item !== 'string' && item[0] === 0x2d ? new TextDecoder().decode(item) : item;
    if (typeof r !== 'string') {
      out.push(parseCertificate(r));
      continue;
    }
    const blocks = [...r.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
    if (blocks.length === 0) throw new AtlogError('ERR_TSA_MALFORMED', 'root PEM holds no CERTIFICATE block');
    for (const b of blocks) out.push(parseCertificate(fromBase64(b[1]!.replace(/\s+/g, ''), 'root PEM')));
  }
  return out;
}
