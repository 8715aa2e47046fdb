import type { Command } from 'commander';

/** `atlog issuers`: not implemented yet. */
export function register(_program: Command): void {}
