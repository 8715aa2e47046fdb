/** RFC 9942 receipts and signed tree heads (spec/receipts.md). Pure: no I/O. */
export * from './types.js';
export { signTreeHead, prepareTreeHead, encodeSignedTreeHead, decodeSignedTreeHead, verifySignedTreeHead, type SignTreeHeadOptions } from './tree-head.js';
export { issueInclusionReceipt, issueConsistencyReceipt, inclusionReceiptIssuer } from './issue.js';
export { verifyReceipt, verifyConsistencyReceipt, type VerifyReceiptOptions } from './verify.js';
export { verifyCcfReceipt, parseCcfProof, ccfLeafHash, ccfRoot, type CcfLeaf, type CcfProof } from './ccf.js';
export { parseReceipt, type ParsedReceipt } from './parse.js';
export { newRootFromConsistencyProof } from './consistency-math.js';
