import { TransparencyService } from '../service/index.js';
import type { ServiceOptionsInput } from '../service/options.js';
import type { ServicePort } from './port.js';

/**
 * Opens the real service core for `atlog serve`. Kept apart from server.ts so that the HTTP layer depends on
 * the ServicePort shape only, and tests and benchmarks start the server over the same opener as the CLI.
 */
export async function openService(input: ServiceOptionsInput): Promise<ServicePort> {
  const service: ServicePort = await TransparencyService.open(input);
  return service;
}
