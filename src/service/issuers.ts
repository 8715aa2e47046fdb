import { AtlogError } from '../errors.js';
import { exportCoseKey, importCoseKey, isPrivateKey, type PrivateKey, type PublicKey } from '../keys/index.js';
import { equalBytes, fromHex, toBase64Url, toHex } from '../util/bytes.js';
import type { PolicyIssuer } from '../policy/schema.js';
import type { IssuerInfo, IssuerKeyOptions } from './types.js';

/**
 * Who may register: issuers (CWT `iss`) and their keys, from the policy file merged with the ones managed at
 * run time (admin API, persisted in the log's meta). Merge rule: keys are the union; a revocation from
 * either source wins, so the admin API can revoke a key or issuer the policy file lists, but cannot
 * re-activate one the file revokes.
 */

/** An admin-managed issuer as persisted (JSON in the meta store). */
export interface StoredIssuer {
  iss: string;
  status: 'active' | 'revoked';
  keys: Array<{ cose: string; status: 'active' | 'revoked'; notBefore?: string; notAfter?: string }>;
  /** kids (hex) revoked through the admin API, also for keys that come from the policy file. */
  revokedKids: string[];
}

/** Persistence of admin-managed issuers (the service backs it with its MetaStore, state.ts). */
export interface IssuerStore {
  load(): Promise<StoredIssuer[]>;
  save(issuer: StoredIssuer): Promise<void>;
}

interface KeyView {
  key: PublicKey;
  status: 'active' | 'revoked';
  notBefore?: Date;
  notAfter?: Date;
}

/** Why a statement's issuer or key is refused (details.reason of ERR_REG_REJECTED). */
export type IssuerRefusal = 'unknown_issuer' | 'revoked_issuer' | 'unknown_key' | 'revoked_key' | 'key_not_yet_valid' | 'key_expired';

function refuse(reason: IssuerRefusal, message: string, iss: string): AtlogError {
  return new AtlogError('ERR_REG_REJECTED', message, { details: { reason, iss } });
}

function kidMatches(k: PublicKey, kid: Uint8Array): boolean {
  return equalBytes(k.kid, kid) || equalBytes(k.thumbprint, kid);
}

/** The merged issuer view the registration checks consult. */
export class IssuerRegistry {
  private readonly admin = new Map<string, StoredIssuer>();
  private readonly adminKeys = new Map<string, KeyView[]>();

  private constructor(
    private readonly policyIssuers: () => readonly PolicyIssuer[],
    private readonly store: IssuerStore,
  ) {}

  /**
   * Loads the admin-managed issuers.
   * @throws AtlogError ERR_SERVICE_STATE_CORRUPT when a stored key no longer imports.
   */
  static async open(policyIssuers: () => readonly PolicyIssuer[], store: IssuerStore): Promise<IssuerRegistry> {
    const r = new IssuerRegistry(policyIssuers, store);
    for (const s of await store.load()) r.remember(s);
    return r;
  }

  private remember(s: StoredIssuer): void {
    this.admin.set(s.iss, s);
    try {
      this.adminKeys.set(
        s.iss,
        s.keys.map((k) => {
          const imported = importCoseKey(fromHex(k.cose));
          const v: KeyView = { key: 'publicKey' in imported ? imported.publicKey : imported, status: k.status };
          if (k.notBefore) v.notBefore = new Date(k.notBefore);
          if (k.notAfter) v.notAfter = new Date(k.notAfter);
          return v;
        }),
      );
    } catch (e) {
      throw new AtlogError('ERR_SERVICE_STATE_CORRUPT', `stored issuer ${s.iss} holds an unreadable key`, { cause: e });
    }
  }

  private keysOf(iss: string): { status: 'active' | 'revoked'; keys: KeyView[]; source: IssuerInfo['source'] } | undefined {
    const p = this.policyIssuers().find((x) => x.iss === iss);
    const a = this.admin.get(iss);
    if (!p && !a) return undefined;
    const revokedKids = new Set(a?.revokedKids ?? []);
    const keys = [...(p?.keys ?? []), ...(this.adminKeys.get(iss) ?? [])].map((k) =>
      revokedKids.has(toHex(k.key.kid)) || revokedKids.has(toHex(k.key.thumbprint)) ? { ...k, status: 'revoked' as const } : k,
    );
    const status = p?.status === 'revoked' || a?.status === 'revoked' ? 'revoked' : 'active';
    return { status, keys, source: p && a ? 'both' : p ? 'policy' : 'admin' };
  }

  /**
   * The key an issuer signs with, if it may register now.
   * @throws AtlogError ERR_REG_REJECTED with details.reason one of IssuerRefusal.
   */
  keyFor(iss: string, kid: Uint8Array, now: Date = new Date()): PublicKey {
    const v = this.keysOf(iss);
    if (!v) throw refuse('unknown_issuer', `issuer ${iss} is not known to this service; add it with atlog issuers add --iss ${iss} --key KEYFILE (or in the policy file)`, iss);
    if (v.status === 'revoked') throw refuse('revoked_issuer', `issuer ${iss} is revoked`, iss);
    const matches = v.keys.filter((k) => kidMatches(k.key, kid));
    if (matches.length === 0) throw refuse('unknown_key', `issuer ${iss} has no key with kid ${toBase64Url(kid)}; add it with atlog issuers add --iss ${iss} --key KEYFILE`, iss);
    // The same key may be listed twice (file and admin): any revocation wins.
    if (matches.some((k) => k.status === 'revoked')) throw refuse('revoked_key', `key ${toBase64Url(kid)} of ${iss} is revoked`, iss);
    const k = matches[0]!;
    if (k.notBefore && now < k.notBefore) throw refuse('key_not_yet_valid', `key ${toBase64Url(kid)} of ${iss} is valid from ${k.notBefore.toISOString()}`, iss);
    if (k.notAfter && now > k.notAfter) throw refuse('key_expired', `key ${toBase64Url(kid)} of ${iss} expired ${k.notAfter.toISOString()}`, iss);
    return k.key;
  }

  /**
   * Adds (or re-adds with new validity) a key for an issuer through the admin API; persisted.
   * @throws AtlogError ERR_INVALID_ARGUMENT for an empty iss or invalid dates.
   */
  async add(iss: string, publicKey: PublicKey | PrivateKey, o: IssuerKeyOptions = {}): Promise<IssuerInfo> {
    if (typeof iss !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(iss)) throw new AtlogError('ERR_INVALID_ARGUMENT', 'iss must be a URI');
    for (const d of [o.notBefore, o.notAfter]) {
      if (d !== undefined && (!(d instanceof Date) || Number.isNaN(d.getTime()))) throw new AtlogError('ERR_INVALID_ARGUMENT', 'notBefore/notAfter must be valid dates');
    }
    const pub = isPrivateKey(publicKey) ? publicKey.publicKey : publicKey; // never store private material
    const cur = this.admin.get(iss) ?? { iss, status: 'active' as const, keys: [], revokedKids: [] };
    const cose = toHex(exportCoseKey(pub));
    const entry: StoredIssuer['keys'][number] = { cose, status: o.status ?? 'active' };
    if (o.notBefore) entry.notBefore = o.notBefore.toISOString();
    if (o.notAfter) entry.notAfter = o.notAfter.toISOString();
    const next: StoredIssuer = { ...cur, keys: [...cur.keys.filter((k) => k.cose !== cose), entry] };
    await this.store.save(next);
    this.remember(next);
    return this.info(iss)!;
  }

  /**
   * Revokes one key (by kid) or, without kid, the whole issuer; persisted.
   * @throws AtlogError ERR_ISSUER_NOT_FOUND when the issuer (or the kid) is unknown.
   */
  async revoke(iss: string, kid?: Uint8Array): Promise<IssuerInfo> {
    const v = this.keysOf(iss);
    if (!v) throw new AtlogError('ERR_ISSUER_NOT_FOUND', `issuer ${iss} is not known`);
    const cur = this.admin.get(iss) ?? { iss, status: 'active' as const, keys: [], revokedKids: [] };
    let next: StoredIssuer;
    if (kid === undefined) {
      next = { ...cur, status: 'revoked' };
    } else {
      if (!v.keys.some((k) => kidMatches(k.key, kid))) throw new AtlogError('ERR_ISSUER_NOT_FOUND', `issuer ${iss} has no key ${toBase64Url(kid)}`);
      next = { ...cur, revokedKids: [...new Set([...cur.revokedKids, toHex(kid)])] };
    }
    await this.store.save(next);
    this.remember(next);
    return this.info(iss)!;
  }

  private info(iss: string): IssuerInfo | undefined {
    const v = this.keysOf(iss);
    if (!v) return undefined;
    return {
      iss,
      status: v.status,
      source: v.source,
      keys: v.keys.map((k) => ({
        kid: toBase64Url(k.key.thumbprint),
        alg: k.key.alg,
        status: k.status,
        ...(k.notBefore ? { notBefore: k.notBefore.toISOString() } : {}),
        ...(k.notAfter ? { notAfter: k.notAfter.toISOString() } : {}),
      })),
    };
  }

  /** Every issuer, from the policy file and the admin API, merged. */
  list(): IssuerInfo[] {
    const names = new Set([...this.policyIssuers().map((p) => p.iss), ...this.admin.keys()]);
    return [...names].sort().map((n) => this.info(n)!);
  }
}
