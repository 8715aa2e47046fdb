import type { Router } from 'express';
import type { ServeConfig } from '../config/options.js';
import type { ServiceLogger } from '../service/options.js';
import type { HttpMetrics } from './metrics.js';
import type { ServicePort } from './port.js';

/** The HTTP settings the routes read (a slice of ServeConfig; defaults come from src/config/). */
export type HttpSettings = Pick<ServeConfig, 'waitLimitMs' | 'retryAfterS' | 'rateLimit' | 'rateBurst' | 'bodyLimit' | 'adminToken'>;

/** Everything a route module needs: the service, settings, metrics and a logger. */
export interface HttpContext {
  service: ServicePort;
  settings: HttpSettings;
  metrics: HttpMetrics;
  logger: ServiceLogger;
  /** The service identity (CWT iss), for /.well-known/transparency-configuration. */
  issuer: string;
  /** True once shutdown began: new registrations get 503. */
  closing: boolean;
  /** The embedded RFC 3161 TSA's routes (`POST /tsa`, `GET /tsa/root.pem`), when `--tsa` includes embedded. */
  tsaRouter?: Router;
}

/** Wraps a promise-returning call so a timeout resolves to `undefined` instead of waiting longer. */
export function within<T>(p: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(undefined), ms);
    p.then(
      (value) => {
        clearTimeout(t);
        resolve({ value });
      },
      (err: unknown) => {
        clearTimeout(t);
        reject(err);
      },
    );
  });
}
