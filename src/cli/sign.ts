import type { Command } from 'commander';

/** `atlog sign`: not implemented yet. */
export function register(_program: Command): void {}
