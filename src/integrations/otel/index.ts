/**
 * `atlog/otel`: an OpenTelemetry SpanExporter that turns GenAI spans into AAT records (docs/integrations.md
 * "OpenTelemetry"). Types only from @opentelemetry/sdk-trace-base: nothing of OpenTelemetry is loaded at run time.
 * The exporter opens sessions with files (keys, queue) and so runs on Node only: like the `atlog` entry under
 * Node, it signs on node:crypto.
 */
import { useNodeSignatures } from '../../crypto/node/signatures.js';

useNodeSignatures();

export { AatSpanExporter, type AatSpanExporterOptions, type AgentIdentity } from './exporter.js';
export type { SpanAgent } from './records.js';
export { OPERATIONS, type Operation } from './spans.js';
