import { execFileSync } from 'node:child_process';

/** Tests that spawn the CLI or the server run the compiled `dist/`; build it once (incremental) first. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
