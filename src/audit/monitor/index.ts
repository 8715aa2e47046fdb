/** The log monitor (spec/monitor.md): one check, its state file and evidence, and the sources of tree heads. */
export { runCheck, EXIT_CODES, type CheckOptions, type CheckResult, type CheckStatus } from './check.js';
export { compareHeads, isMisbehaviour, type Verdict } from './compare.js';
export { scrapiHeadSource, type HeadFormat, type HeadSource, type ObservedHead, type ProofOutcome } from './head-source.js';
export { parseState, serializeState, STATE_FORMAT, STATE_VERSION, type MonitorState, type PinnedKeys, type RecordedHead } from './state.js';
export { readStateFile, writeStateFile, writeFileAtomic, writeEvidence } from './files.js';
