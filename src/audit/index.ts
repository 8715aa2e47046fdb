/**
 * The auditor's toolkit (docs/auditor.md, spec/bundle.md sections 4 to 6): the evidence file format, its
 * exporter (over the client) and its streaming audit. Pure: no node: imports, so the audit runs in a browser
 * over a byte stream; the CLI reads and writes the files.
 */
export * from './types.js';
export { AUDIT_CHECKS, type CheckName } from './checks.js';
export {
  EVIDENCE_FORMAT,
  EVIDENCE_VERSION,
  EVIDENCE_MEDIA_TYPE,
  encodeHeader,
  encodeCheckpointItem,
  encodeEntryItem,
  encodeEndItem,
  readHeader,
  readItem,
  type Selection,
  type CheckpointBody,
  type EvidenceHeader,
  type CheckpointItem,
  type EntryItem,
  type EndItem,
  type EvidenceItem,
} from './evidence.js';
export { exportEvidence, pemCertificates, type ExportClient, type ExportOptions, type ExportSelection } from './export.js';
export { auditEvidence, type AuditOptions } from './audit.js';
export { formatSummary } from './summary.js';
