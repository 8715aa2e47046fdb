import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServicePort } from './port.js';

/**
 * Prometheus metrics of one server (docs/operations.md "Monitoring"). Each server owns its Registry, so
 * several servers in one process (tests) do not share counters.
 */
export interface HttpMetrics {
  readonly registry: Registry;
  /** POST /entries by outcome: `created` (201), `accepted` (303), or the problem's atlog code. */
  readonly registrations: Counter<'outcome'>;
  /** Seconds from the POST being received to the receipt being ready (whether sent with 201 or polled). */
  readonly timeToReceipt: Histogram;
  /** Statements per sealed batch, as seen from the registrations this server handled. */
  readonly batchSize: Histogram;
  /** Requests by route template and status. */
  readonly requests: Counter<'method' | 'route' | 'status'>;
  /** Refreshes the gauges read from the service. */
  refresh(): Promise<void>;
  /** Records one landed registration; batches are recognised by the tree size they landed in. */
  landed(treeSize: number): void;
}

/** Creates the metrics of a server over `service`. */
export function createMetrics(service: ServicePort): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'atlog_' });
  const registrations = new Counter({ name: 'atlog_registrations_total', help: 'POST /entries by outcome', labelNames: ['outcome'] as const, registers: [registry] });
  const timeToReceipt = new Histogram({
    name: 'atlog_time_to_receipt_seconds',
    help: 'time from receiving a Signed Statement to its receipt being ready',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'atlog_batch_size',
    help: 'entries per sealed batch (one signed tree head each)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
    registers: [registry],
  });
  const requests = new Counter({ name: 'atlog_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const queueDepth = new Gauge({ name: 'atlog_queue_depth', help: 'registrations being verified or waiting for a batch', registers: [registry] });
  const treeSize = new Gauge({ name: 'atlog_tree_size', help: 'entries in the log', registers: [registry] });
  const unanchored = new Gauge({ name: 'atlog_unanchored_checkpoints', help: 'signed tree heads still lacking an RFC 3161 token', registers: [registry] });
  const batches = new Gauge({ name: 'atlog_batches', help: 'batches sealed since start', registers: [registry] });

  // Batch sizes: registrations that landed in the same tree size belong to the same batch. A batch is
  // observed once the next tree size shows up (or after a quiet second), so counts are complete.
  let current = -1;
  let count = 0;
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (count > 0) batchSize.observe(count);
    count = 0;
    current = -1;
  };
  const landed = (size: number): void => {
    if (size !== current) {
      flush();
      current = size;
    }
    count++;
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = setTimeout(flush, 1000);
    flushTimer.unref();
  };

  const refresh = async (): Promise<void> => {
    const s = await service.stats();
    queueDepth.set(s.queueDepth);
    treeSize.set(s.treeSize);
    unanchored.set(s.unanchoredCheckpoints);
    batches.set(s.batches);
  };
  return { registry, registrations, timeToReceipt, batchSize, requests, refresh, landed };
}
