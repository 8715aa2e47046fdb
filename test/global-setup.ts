import { spawnSync } from 'node:child_process';

/**
 * Tests that spawn the CLI or the server run the compiled `dist/`; build it once (incremental) first.
 * tsc still emits JavaScript when there are type errors; CI's own `npm run build` and `npm run typecheck`
 * steps are what fail the run on them, so here a type error is reported, not fatal.
 */
export default function setup(): void {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) console.warn('global-setup: tsc reported errors (dist was still emitted); see above');
}
