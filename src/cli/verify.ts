import type { Command } from 'commander';

/** `atlog verify`: not implemented yet. */
export function register(_program: Command): void {}
