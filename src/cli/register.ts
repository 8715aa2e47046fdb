import type { Command } from 'commander';

/** `atlog register`: not implemented yet. */
export function register(_program: Command): void {}
