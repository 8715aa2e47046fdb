/**
 * The transparency service core (no HTTP): registration, Registration Policy, sequencer, service keys.
 * The HTTP layer (src/http) and the CLI build on these exports; spec/policy.md describes the policy.
 */
export { TransparencyService } from './service.js';
export { resolveServiceOptions, type ServiceOptions, type ServiceOptionsInput, type ServiceLogger, type StorageOpener } from './options.js';
export type {
  CheckpointInfo, IssuerInfo, IssuerKeyOptions, OperationInfo, PolicyInfo, RegisteredEntry, ServiceStats, Submission,
} from './types.js';
export { HEADER_POLICY_HASH } from '../cose/labels.js';
export { parsePolicy, defaultPolicy, policyHash, DEFAULT_POLICY_DOCUMENT, type Policy } from '../policy/schema.js';
export { parseRule, type RuleAst } from '../policy/dsl.js';
export { loadServiceKeys, type ServiceKeys } from './keys.js';
