/** The compliance report (docs/auditor.md): a pure renderer from an audit result (and record details, read from the evidence file) to HTML. */
export { renderReport, type ReportInput } from './render.js';
export { readReportDetails } from './read.js';
export { RecordDigest, type ReportDetails, type SessionDetail, type TimelineEvent, type FieldCounts } from './details.js';
export { FRAMEWORKS, type Framework } from './frameworks.js';
export { escapeText } from './html.js';
