import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts one of the service's worker threads by module name (`verify-worker`, `sign-worker`): the compiled
 * .js next to this file, or (tests, tsx) the .ts through tsx's loader. `workerData` is passed as is.
 */
export function spawnWorker(name: string, workerData?: unknown): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // require.resolve picks tsx's CommonJS build, which cannot register hooks from an ESM worker: use the .mjs twin.
    const api = pathToFileURL(createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const target = new URL(`./${name}.ts`, self).href;
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
    return new Worker(boot, { eval: true, workerData });
  }
  return new Worker(new URL(`./${name}.js`, self), { workerData });
}
