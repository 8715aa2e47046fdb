import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../src/client/index.js';
import { resolveConfig } from '../src/config/index.js';
import { decodeSign1 } from '../src/cose/sign1.js';
import { openService } from '../src/http/open-service.js';
import { startServer } from '../src/http/server.js';
import { importCoseKey, isPrivateKey } from '../src/keys/index.js';
import { buildStatement, receiptsOf } from '../src/statements/index.js';
import { createTsaCredentials } from '../src/tsa-server/credentials.js';
import { toBase64 } from '../src/util/bytes.js';
import { certificateToPem } from '../src/x509/pem.js';

/**
 * `node --import tsx test-vectors/timestamped.ts [OUT_DIR]`: writes `timestamped/`, a Transparent Statement whose
 * two receipts carry RFC 3161 tokens (label 270), made by a real atlog service with its embedded TSA, and the
 * TSA root that verifies them (README.md, "Timestamped"). The service signs with the committed test service
 * keys, so `keys/service.keyset.cbor` verifies the receipts as for every other vector.
 *
 * Not part of `npm run vectors`: a TSA signs with a random ECDSA nonce and dates its certificates, so a run
 * never reproduces the bytes of the last one. Any run's output is as good as any other; rerun it only to
 * replace the files (e.g. before the TSA certificate expires, ten years after the run).
 */

const VECTORS = dirname(fileURLToPath(import.meta.url));
const silent = { info() {}, warn() {}, error() {}, debug() {} };

export async function writeTimestamped(outDir: string): Promise<string[]> {
  const work = mkdtempSync(join(tmpdir(), 'atlog-timestamped-'));
  try {
    // The service keys of the vectors (test keys, published), where the service looks for its own.
    const keys = join(work, 'data', 'keys');
    mkdirSync(keys, { recursive: true });
    for (const [from, to] of [['service-ES256', 'service-p256'], ['service-ML-DSA-65', 'service-mldsa65']]) {
      copyFileSync(join(VECTORS, 'keys', `${from}.key.cbor`), join(keys, `${to}.cose`));
      chmodSync(join(keys, `${to}.cose`), 0o600);
    }
    const issuerKey = importCoseKey(new Uint8Array(readFileSync(join(VECTORS, 'keys', 'issuer-ES256.key.cbor'))));
    if (!isPrivateKey(issuerKey)) throw new Error('keys/issuer-ES256.key.cbor holds no private key');
    const iss = 'https://issuer.example/ES256';
    const policy = join(work, 'policy.yaml');
    writeFileSync(policy, `version: 1\nissuers:\n  - iss: "${iss}"\n    keys:\n      - cose: "${toBase64(readFileSync(join(VECTORS, 'keys', 'issuer-ES256.pub.cbor')))}"\n`);
    const config = { ...resolveConfig({}), dataDir: join(work, 'data'), port: 0, policy, tsa: 'embedded' as const, issuer: 'https://atlog.test-vectors.invalid' };
    const server = await startServer(config, openService, silent);
    try {
      const client = createClient({ url: server.url });
      const statement = buildStatement({ key: issuerKey, iss, sub: 'urn:atlog:test-vectors:timestamped', payload: new TextEncoder().encode('{"timestamped":true}'), contentType: 'application/json' });
      const { entryId } = await client.register(statement);
      // Anchoring follows the tree head at once; wait until the checkpoint says every head has its token.
      for (let i = 0; !(await client.checkpoint()).anchored; i++) {
        if (i > 300) throw new Error('the checkpoint was not anchored within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      const ts = await client.transparentStatement(entryId!);
      for (const r of receiptsOf(ts)) if (!decodeSign1(r).unprotected.has(270)) throw new Error('a receipt has no RFC 3161 token');
      const other = await createTsaCredentials({ name: 'another TSA' });
      const files: Array<[string, Uint8Array | string]> = [
        ['timestamped/statement.transparent.cose', ts],
        ['timestamped/tsa-root.pem', await client.tsaRoot()],
        ['timestamped/other-tsa-root.pem', certificateToPem(other.rootDer)],
      ];
      for (const [rel, bytes] of files) {
        mkdirSync(dirname(join(outDir, rel)), { recursive: true });
        writeFileSync(join(outDir, rel), bytes);
      }
      return files.map(([rel]) => rel);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? VECTORS);
  const written = await writeTimestamped(out);
  process.stdout.write(`${written.join('\n')}\nwritten to ${out}\n`);
}
