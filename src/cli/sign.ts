import { readFileSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { aatRecordIn } from '../aat/detect.js';
import { HASH_SHA256, HASH_SHA384, HASH_SHA512, type HashAlg } from '../cose/algorithms.js';
import { AtlogError } from '../errors.js';
import { isPrivateKey, parseKeyFile, type PrivateKey } from '../keys/index.js';
import { AAT_CONTENT_TYPE, buildStatement } from '../statements/index.js';
import { runOffline, usageExit2 } from './keygen.js';

interface SignOptions {
  key: string;
  iss: string;
  sub: string;
  contentType?: string;
  hashEnvelope?: string;
  hashAlg: string;
  location?: string;
  in: string;
  out: string;
  iat: boolean;
}

const HASH_ALGS: Record<string, HashAlg> = { 'sha-256': HASH_SHA256, 'sha-384': HASH_SHA384, 'sha-512': HASH_SHA512 };

function usage(msg: string): AtlogError {
  return new AtlogError('ERR_CLI_USAGE', msg);
}

/** The one private key of a key file (COSE_Key, COSE_KeySet or PEM). */
function signingKey(file: string): PrivateKey {
  const keys = parseKeyFile(new Uint8Array(readFileSync(file))).filter(isPrivateKey);
  if (keys.length !== 1) throw usage(`${file} must hold exactly one private key, found ${keys.length}`);
  return keys[0]!;
}

/**
 * The mistakes the service would refuse an AAT record for, caught before signing: a record under another
 * content type, and a CWT iss or sub that does not name the record's agent and session (spec/policy.md).
 * @throws AtlogError ERR_CLI_USAGE naming the flag to change.
 */
function checkAatBinding(payload: Uint8Array, contentType: string, iss: string, sub: string): void {
  const record = aatRecordIn(payload);
  if (record === undefined) return;
  if (contentType !== AAT_CONTENT_TYPE) throw usage(`the payload is an AAT record: sign it with --content-type ${AAT_CONTENT_TYPE}, not ${contentType}`);
  if (record.agent_id !== iss) throw usage(`--iss ${iss} is not the record's agent_id ${String(record.agent_id)}`);
  if (sub !== `urn:uuid:${String(record.session_id)}`) throw usage(`--sub ${sub} is not urn:uuid:${String(record.session_id)} (the record's session_id)`);
}

/**
 * `atlog sign --key FILE --iss URI --sub TEXT (--content-type TYPE | --hash-envelope TYPE) --in PAYLOAD
 * --out STATEMENT`: signs a Signed Statement (RFC 9943) offline. With --hash-envelope the payload is replaced by
 * its digest (RFC 9995; --hash-alg, optional --location). iat is set to now unless --no-iat.
 */
export function register(program: Command): void {
  usageExit2(
    program
      .command('sign')
      .description('sign a payload as a SCITT Signed Statement (COSE_Sign1)')
      .requiredOption('--key <file>', 'private key: COSE_Key, COSE_KeySet or PEM (PKCS#8 / SEC1)')
      .requiredOption('--iss <uri>', 'issuer (CWT iss), a URI; for agent records the agent_id')
      .requiredOption('--sub <text>', 'subject (CWT sub); for agent records urn:uuid:<session_id>')
      .option('--content-type <type>', 'content type of the payload, e.g. application/aat+json')
      .option('--hash-envelope <type>', 'sign a Hash Envelope: the payload is hashed; TYPE is the preimage content type')
      .addOption(new Option('--hash-alg <alg>', 'hash for --hash-envelope').choices(Object.keys(HASH_ALGS)).default('sha-256'))
      .option('--location <url>', 'where the preimage can be fetched (with --hash-envelope)')
      .option('--no-iat', 'do not add the iat (issued at) claim')
      .requiredOption('--in <file>', 'the payload')
      .requiredOption('--out <file>', 'where to write the Signed Statement'),
  ).action(
    runOffline('sign', (o: SignOptions) => {
      if ((o.contentType === undefined) === (o.hashEnvelope === undefined)) {
        throw usage('give exactly one of --content-type or --hash-envelope');
      }
      if (o.location !== undefined && o.hashEnvelope === undefined) throw usage('--location needs --hash-envelope');
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(o.iss)) throw usage(`--iss must be a URI, got "${o.iss}"`);
      if (o.sub.length === 0) throw usage('--sub must not be empty');
      const key = signingKey(o.key);
      const payload = new Uint8Array(readFileSync(o.in));
      if (o.contentType !== undefined) checkAatBinding(payload, o.contentType, o.iss, o.sub);
      const statement = buildStatement({
        key,
        iss: o.iss,
        sub: o.sub,
        payload,
        ...(o.iat ? { iat: new Date() } : {}),
        ...(o.hashEnvelope !== undefined
          ? { hashEnvelope: { preimageContentType: o.hashEnvelope, hashAlg: HASH_ALGS[o.hashAlg]!, ...(o.location ? { location: o.location } : {}) } }
          : { contentType: o.contentType! }),
      });
      writeFileSync(o.out, statement);
    }),
  );
}
