/**
 * The agent SDK (docs/agents.md): sessions that record an agent's actions as a chain of AAT records, sign each
 * as a Signed Statement and register it with a transparency service; three-phase tool wrapping, local policy,
 * enforcement tiers, delegation and an offline queue. `createSession` and everything it uses are pure (the
 * queue is injected); `openSession`, `loadKey`, `loadPolicy`, the file queue and `syncQueue` are Node.
 */
export { createSession, Session, type RecordInput, type SessionSummary } from './session.js';
export { TIERS, resolveSessionOptions, type Tier, type SessionOptions, type ResolvedSessionOptions } from './options.js';
export { ToolCall, type ToolOptions } from './call.js';
export type { WrapOptions, Wrapped } from './wrap.js';
export type { DelegationToken } from './delegation.js';
export { LocalPolicy, type RuleSpec } from './policy.js';
export { valueHash, jsonForm, UNHASHABLE, type ValueHash } from './hashing.js';
export { entryIdOf, type RecordQueue, type SessionQueue } from './outbox.js';
