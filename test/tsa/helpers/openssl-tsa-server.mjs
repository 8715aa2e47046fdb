// A real RFC 3161 TSA for tests: HTTP in front of `openssl ts -reply`. Run as its own process so a test can
// kill it. Usage: node openssl-tsa-server.mjs <tsa.cnf> [port]; prints "listening <port>" when ready.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';

const [config, portArg] = process.argv.slice(2);
// Scratch space beside the config, in the test's fixture directory: the test removes it even when it SIGKILLs us.
const work = mkdtempSync(join(dirname(config), 'tsa-srv-'));
let queue = Promise.resolve(); // openssl updates the serial file: one reply at a time
let n = 0;

function reply(body) {
  const q = join(work, `q${n}.tsq`);
  const r = join(work, `r${n++}.tsr`);
  writeFileSync(q, body);
  // `-queryfile /dev/stdin` fails when spawned from Node, so the query goes through a temp file.
  return new Promise((resolve, reject) =>
    execFile('openssl', ['ts', '-reply', '-config', config, '-queryfile', q, '-out', r], (err, _o, stderr) => {
      if (err) return reject(new Error(stderr));
      const out = readFileSync(r);
      rmSync(q); rmSync(r);
      resolve(out);
    }),
  );
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
      res.writeHead(415).end();
      return;
    }
    queue = queue.then(() => reply(Buffer.concat(chunks))).then(
      (out) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(out),
      (e) => res.writeHead(500).end(String(e)),
    );
  });
});
server.listen(Number(portArg ?? 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => { rmSync(work, { recursive: true, force: true }); process.exit(0); });
