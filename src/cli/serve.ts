import type { Command } from 'commander';

/** `atlog serve`: not implemented yet. */
export function register(_program: Command): void {}
