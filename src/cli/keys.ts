import type { Command } from 'commander';

/** `atlog keys`: not implemented yet. */
export function register(_program: Command): void {}
