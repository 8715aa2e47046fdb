import { equalBytes, toHex } from '../util/bytes.js';
import { BoundedCache } from './cache.js';
import { isCa, type ParsedCertificate } from './certificate.js';
import { verifySignature } from './signature.js';

/**
 * Certification paths (RFC 5280 section 6.1, simplified to what pinned-root trust needs): from a leaf through
 * CA certificates to one of the pinned roots, every certificate valid at a given time. Pure, browser-safe.
 */

export type PathResult =
  | { readonly ok: true; readonly path: readonly ParsedCertificate[] }
  /** A certificate on the way is not valid at the time asked about. */
  | { readonly ok: false; readonly reason: 'expired'; readonly certificate: ParsedCertificate }
  /** No path to a pinned root. */
  | { readonly ok: false; readonly reason: 'untrusted' };

/** True when `c` is valid at `at` (RFC 5280 4.1.2.5: notBefore and notAfter inclusive). */
function validAt(c: ParsedCertificate, at: Date): boolean {
  return at >= c.notBefore && at <= c.notAfter;
}

/** Certificate signatures already checked, by (child, issuer) content: the same chain repeats in every token. */
const SIGNED_BY = new BoundedCache<boolean>(256);

/** True when `issuer`'s subject is `child`'s issuer and `issuer`'s key verifies `child`'s signature. */
async function signedBy(child: ParsedCertificate, issuer: ParsedCertificate): Promise<boolean> {
  if (!equalBytes(child.issuer, issuer.subject)) return false;
  const key = `${toHex(child.der)}|${toHex(issuer.der)}`;
  const hit = SIGNED_BY.get(key);
  if (hit !== undefined) return hit;
  let ok: boolean;
  try {
    ok = await verifySignature(issuer.spki, child.signatureAlgorithm, undefined, child.tbs, child.signature);
  } catch {
    ok = false; // an algorithm we cannot check is no path
  }
  return SIGNED_BY.set(key, ok);
}

/**
 * Find a path from `leaf` to a pinned root through the CA certificates of `pool` (at most 8 deep), checking each
 * certificate's validity at `at` as it is reached.
 */
export async function findPath(leaf: ParsedCertificate, pool: readonly ParsedCertificate[], roots: readonly ParsedCertificate[], at: Date): Promise<PathResult> {
  let cur = leaf;
  const path: ParsedCertificate[] = [];
  const seen = new Set<ParsedCertificate>([leaf]);
  for (let depth = 0; depth < 8; depth++) {
    if (!validAt(cur, at)) return { ok: false, reason: 'expired', certificate: cur };
    path.push(cur);
    if (roots.some((r) => equalBytes(r.der, cur.der))) return { ok: true, path };
    for (const r of roots) {
      if (await signedBy(cur, r)) return validAt(r, at) ? { ok: true, path: [...path, r] } : { ok: false, reason: 'expired', certificate: r };
    }
    let next: ParsedCertificate | undefined;
    for (const c of pool) if (!seen.has(c) && isCa(c) && (await signedBy(cur, c))) next = c;
    if (!next) break;
    seen.add(next);
    cur = next;
  }
  return { ok: false, reason: 'untrusted' };
}
