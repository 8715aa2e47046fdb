/**
 * `atlog/otel`: an OpenTelemetry SpanExporter that turns GenAI spans into AAT records (docs/integrations.md
 * "OpenTelemetry"). Types only from @opentelemetry/sdk-trace-base: nothing of OpenTelemetry is loaded at run time.
 */
export { AatSpanExporter, type AatSpanExporterOptions, type AgentIdentity } from './exporter.js';
export type { SpanAgent } from './records.js';
export { OPERATIONS, type Operation } from './spans.js';
