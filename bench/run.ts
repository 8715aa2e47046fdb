/**
 * `npm run bench -- <suite> [options]` runs bench/<suite>.ts; `npm run bench` runs every suite that exists.
 * Each suite exports `run(args: string[]): Promise<void>`. The machine is printed first, because absolute
 * figures only mean something next to it.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SUITES = ['merkle', 'verify', 'http', 'anchoring', 'audit', 'tiles', 'sdk', 'mcp'] as const;
const HERE = dirname(fileURLToPath(import.meta.url));

interface Suite {
  run(args: string[]): Promise<void>;
}

function machine(): string {
  const c = cpus();
  return [
    `cpu: ${c[0]?.model ?? 'unknown'} x ${c.length} cores`,
    `memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `load average (1/5/15 min): ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`,
    `node: ${process.version} (${process.platform}/${process.arch})`,
    `date: ${new Date().toISOString()}`,
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  const wanted = first === undefined || first.startsWith('-') ? [...SUITES] : [first];
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  for (const name of wanted) {
    if (!(SUITES as readonly string[]).includes(name)) throw new Error(`unknown suite ${name}; suites: ${SUITES.join(', ')}`);
  }
  console.log(machine());
  for (const name of wanted) {
    const file = join(HERE, `${name}.ts`);
    if (!existsSync(file)) {
      console.log(`\n## ${name}: not present, skipped`);
      continue;
    }
    console.log(`\n## ${name}`);
    const suite = (await import(pathToFileURL(file).href)) as Suite;
    await suite.run(args);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
