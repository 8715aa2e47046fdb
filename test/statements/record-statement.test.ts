import { describe, expect, it } from 'vitest';
import { canonicalBytes, genesisRecord, nextRecord } from '../../src/aat/index.js';
import { verifySign1 } from '../../src/cose/sign1.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { generateKey } from '../../src/keys/index.js';
import { AAT_CONTENT_TYPE, buildRecordStatement, parseStatement } from '../../src/statements/index.js';
import { toHex } from '../../src/util/bytes.js';
import { codeOf } from '../helpers/errors.js';

/** buildRecordStatement: an AAT record in the envelope the log expects (spec/statements.md, Decision (envelope)). */

const key = generateKey('ES256');
const genesis = genesisRecord({ agentId: 'https://agents.example/a', agentVersion: '1.0.0', trustLevel: 'L1' });
const record = nextRecord(genesis, { action_type: 'decision', action_detail: { decision_type: 'route' } });

describe('buildRecordStatement', () => {
  it('iss = agent_id, sub = urn:uuid:<session_id>, payload = the JCS bytes, content type application/aat+json, iat now', () => {
    const before = Math.floor(Date.now() / 1000);
    const st = parseStatement(buildRecordStatement(record, key));
    expect(st.iss).toBe(record.agent_id);
    expect(st.sub).toBe(`urn:uuid:${record.session_id}`);
    expect(st.contentType).toBe(AAT_CONTENT_TYPE);
    expect(st.sign1.payload).toEqual(canonicalBytes(record));
    expect(st.cwtClaims.get(6)).toBeGreaterThanOrEqual(before);
    expect(st.kid).toEqual(key.kid);
    expect(verifySign1(buildRecordStatement(record, key), key.publicKey)).toBe(true);
  });

  it('signs a Hash Envelope over the record when asked, and leaves iat out with iat: false', () => {
    const st = parseStatement(buildRecordStatement(record, key, { hashEnvelope: {}, iat: false }));
    expect(st.contentType).toBeUndefined();
    expect(st.hashEnvelope?.preimageContentType).toBe(AAT_CONTENT_TYPE);
    expect(toHex(st.sign1.payload!)).toBe(toHex(sha256(canonicalBytes(record))));
    expect(st.cwtClaims.has(6)).toBe(false);
  });

  it('refuses a record that is not valid', () => {
    expect(codeOf(() => buildRecordStatement({ ...record, trust_level: 'L9' as 'L1' }, key))).toBe('ERR_AAT_INVALID');
    expect(codeOf(() => buildRecordStatement({ ...record, prev_hash: 'zz' }, key))).toBe('ERR_AAT_INVALID');
  });
});
