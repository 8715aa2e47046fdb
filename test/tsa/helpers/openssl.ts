import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Test fixtures built with the real `openssl` (an independent RFC 3161 implementation). */

export type KeyAlg = 'rsa' | 'p256' | 'p384';

export interface OpensslTsa {
  dir: string;
  config: string;
  caPem: string;
  caDer: Uint8Array;
  tsaDer: Uint8Array;
  policy: string;
}

const EXT_CNF = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_tsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function ossl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function keyArgs(alg: KeyAlg): string[] {
  if (alg === 'rsa') return ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  return ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${alg === 'p256' ? 'P-256' : 'P-384'}`];
}

function pemToDer(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
}

/**
 * Make a root CA and a TSA certificate (EKU critical timeStamping) with openssl, and an `openssl ts` config.
 * `essCertIdAlg` sha1 makes openssl sign an ESSCertID (signingCertificate), sha256 an ESSCertIDv2.
 * @param dir an empty directory.
 */
export function createOpensslTsa(dir: string, alg: KeyAlg, name: string = alg, essCertIdAlg: 'sha1' | 'sha256' = 'sha256'): OpensslTsa {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ext.cnf'), EXT_CNF);
  ossl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], dir);
  ossl(['req', '-x509', '-new', '-key', 'ca.key', '-config', 'ext.cnf', '-extensions', 'v3_ca', '-subj', `/CN=openssl test root ${name}`, '-days', '3650', '-out', 'ca.pem'], dir);
  ossl(['genpkey', ...keyArgs(alg), '-out', 'tsa.key'], dir);
  ossl(['req', '-new', '-key', 'tsa.key', '-config', 'ext.cnf', '-subj', `/O=atlog tests/CN=openssl tsa ${name}`, '-out', 'tsa.csr'], dir);
  ossl(['x509', '-req', '-in', 'tsa.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '365', '-extfile', 'ext.cnf', '-extensions', 'v3_tsa', '-out', 'tsa.pem'], dir);
  writeFileSync(join(dir, 'tsaserial'), '01\n');
  const policy = '1.3.6.1.4.1.55555.1';
  const config = join(dir, 'tsa.cnf');
  writeFileSync(
    config,
    `[tsa]
default_tsa = tsa_config1
[tsa_config1]
dir = ${dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = ${policy}
other_policies = 1.3.6.1.4.1.55555.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = ${essCertIdAlg}
`,
  );
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  return { dir, config, caPem, caDer: pemToDer(caPem), tsaDer: pemToDer(readFileSync(join(dir, 'tsa.pem'), 'utf8')), policy };
}

export interface RunningTsa {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL the server process and wait for it to exit. */
  kill(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./openssl-tsa-server.mjs', import.meta.url));

/** Start the HTTP wrapper around `openssl ts -reply` as a separate process (on `port`, or an ephemeral one). */
export function startOpensslServer(config: string, port = 0): Promise<RunningTsa> {
  const child = spawn(process.execPath, [SERVER, config, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`TSA server exited with ${code}`)));
    child.stdout!.once('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (!m) return reject(new Error(`unexpected output ${d.toString()}`));
      const p = Number(m[1]);
      resolve({
        url: `http://127.0.0.1:${p}/tsr`,
        port: p,
        child,
        kill: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null || child.signalCode !== null) return res();
            child.removeAllListeners('exit');
            child.once('exit', () => res());
            child.kill('SIGKILL');
          }),
      });
    });
  });
}

/** `openssl ts -verify -digest HEX -token_in -in token.der -CAfile ca.pem`; returns exit status and output. */
export function opensslVerifyToken(dir: string, token: Uint8Array, digestHex: string, caFile: string): { status: number | null; out: string } {
  const tokenFile = join(dir, `token-${Date.now()}-${Math.random().toString(36).slice(2)}.der`);
  writeFileSync(tokenFile, token);
  const r = spawnSync('openssl', ['ts', '-verify', '-digest', digestHex, '-token_in', '-in', tokenFile, '-CAfile', caFile], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
