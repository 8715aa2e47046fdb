import type { Command } from 'commander';

/** `atlog keygen`: not implemented yet. */
export function register(_program: Command): void {}
