import { AtlogError } from '../errors.js';
import type { ServiceOptionsInput } from '../service/options.js';
import type { ServicePort } from './port.js';

/**
 * Opens the real service core for `atlog serve`. Kept apart from server.ts so tests and benchmarks can
 * start the HTTP layer over the same opener the CLI uses.
 */
export async function openService(_input: ServiceOptionsInput): Promise<ServicePort> {
  throw new AtlogError('ERR_SERVICE_UNAVAILABLE', 'the service core is not built yet');
}
