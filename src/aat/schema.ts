import { ACTION_TYPES, LIFECYCLE_EVENTS, OUTCOMES, RECORD_PHASES, TRUST_LEVELS } from './types.js';

/**
 * JSON Schema (2020-12) of an AAT record, compiled once by validate.ts.
 * Field rules from draft-sharif-agent-audit-trail Section 3 (mandatory and optional fields) and Section 7
 * (required action_detail members per action_type). Unknown members are allowed and preserved.
 */

/** Canonical lowercase UUID version 4 (RFC 9562 Section 5.4): version nibble 4, variant 10xx. */
export const UUID_V4 = '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
/** 64 lowercase hex digits: a SHA-256 value as the draft writes it. */
export const HEX64 = '^[0-9a-f]{64}$';
/** SemVer 2.0.0, the regular expression semver.org recommends. */
export const SEMVER =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)' +
  '(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?' +
  '(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';
/** Unpadded base64url (the in-record signature, draft Section 6.2). */
export const BASE64URL = '^[A-Za-z0-9_-]+$';
/** An RFC 7638 JWK thumbprint (SHA-256) in unpadded base64url: the -06 form of `signer_kid`. */
export const JWK_THUMBPRINT = '^[A-Za-z0-9_-]{43}$';

const str = { type: 'string', minLength: 1 } as const;
const hash = { type: 'string', pattern: HEX64 } as const;
const uuid = { type: 'string', pattern: UUID_V4 } as const;
/** A duration in seconds (-06 `*_interval_s`): a positive number. */
const seconds = { type: 'number', exclusiveMinimum: 0 } as const;

/** Required action_detail members per action_type (draft Section 7), with their types. */
export const DETAIL_RULES: Readonly<Record<string, { required: string[]; properties: Record<string, unknown> }>> = {
  tool_call: { required: ['tool_name', 'parameters_hash'], properties: { tool_name: str, parameters_hash: hash } },
  tool_response: {
    required: ['tool_name', 'response_hash', 'parent_call_id'],
    properties: { tool_name: str, response_hash: hash, parent_call_id: uuid },
  },
  decision: { required: ['decision_type'], properties: { decision_type: str } },
  delegation: {
    required: ['delegate_agent_id', 'delegate_trust_level', 'task_description_hash'],
    properties: {
      delegate_agent_id: { type: 'string', format: 'uri' },
      delegate_trust_level: { enum: [...TRUST_LEVELS] },
      task_description_hash: hash,
    },
  },
  escalation: { required: ['escalation_reason', 'escalation_target'], properties: { escalation_reason: str, escalation_target: str } },
  error: {
    required: ['error_code', 'error_message', 'error_category', 'recoverable'],
    properties: {
      error_code: { anyOf: [str, { type: 'integer' }] },
      error_message: { type: 'string' },
      error_category: str,
      recoverable: { type: 'boolean' },
    },
  },
  lifecycle: { required: ['event'], properties: { event: { enum: [...LIFECYCLE_EVENTS] } } },
};

const delegatedBy = {
  type: 'object',
  required: ['agent_id', 'record_id', 'entry'],
  properties: { agent_id: { type: 'string', format: 'uri' }, record_id: uuid, entry: hash },
};

/** `if` that matches lifecycle records whose event is `event`. */
function lifecycleEvent(event: string): Record<string, unknown> {
  return {
    required: ['action_type', 'action_detail'],
    properties: {
      action_type: { const: 'lifecycle' },
      action_detail: { type: 'object', required: ['event'], properties: { event: { const: event } } },
    },
  };
}

export const RECORD_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:atlog:aat:record',
  type: 'object',
  required: [
    'record_id',
    'timestamp',
    'agent_id',
    'agent_version',
    'session_id',
    'action_type',
    'action_detail',
    'outcome',
    'trust_level',
    'parent_record_id',
    'prev_hash',
  ],
  properties: {
    record_id: uuid,
    // RFC 3339 date-time; ajv-formats "date-time" requires the offset (Z or +hh:mm) and checks the calendar.
    timestamp: { type: 'string', format: 'date-time' },
    agent_id: { type: 'string', format: 'uri' },
    agent_version: { type: 'string', pattern: SEMVER },
    session_id: uuid,
    action_type: { enum: [...ACTION_TYPES] },
    action_detail: { type: 'object', minProperties: 1, properties: { delegated_by: delegatedBy } },
    outcome: { enum: [...OUTCOMES] },
    trust_level: { enum: [...TRUST_LEVELS] },
    parent_record_id: { type: ['string', 'null'], pattern: UUID_V4 },
    prev_hash: { type: ['string', 'null'], pattern: HEX64 },
    record_phase: { enum: [...RECORD_PHASES] },
    // Optional fields (draft Section 3.2).
    human_override: { type: ['object', 'boolean'] },
    risk_score: { type: 'number', minimum: 0, maximum: 1 },
    model_id: str,
    input_hash: hash,
    output_hash: hash,
    latency_ms: { type: 'number', minimum: 0 },
    cost_estimate: { anyOf: [{ type: 'number', minimum: 0 }, { type: 'object' }] },
    sanctions_check: { type: ['object', 'boolean', 'string'] },
    jurisdiction: str,
    signature: { type: 'string', pattern: BASE64URL },
    signer_kid: str,
    batch: { type: 'object' },
    // -06 additions (spec/aat.md 1.4), validated when present at every draft level.
    signature_classical: { type: 'string', pattern: BASE64URL },
    sig_alg: str,
    anchor_interval_s: seconds,
    heartbeat_interval_s: seconds,
  },
  allOf: [
    // Genesis (lifecycle/session_start) has both links null; every other record has both set (Section 8.1).
    {
      if: lifecycleEvent('session_start'),
      then: { properties: { parent_record_id: { type: 'null' }, prev_hash: { type: 'null' } } },
      else: { properties: { parent_record_id: { type: 'string' }, prev_hash: { type: 'string' } } },
    },
    // Session close: session_hash and record_count in action_detail (Section 8.3), validated when present. A
    // close without them (as the -06 reference implementation writes it) is valid, but cannot prove the session
    // complete (spec/aat.md 2.3).
    {
      if: lifecycleEvent('session_end'),
      then: {
        properties: {
          action_detail: { properties: { session_hash: hash, record_count: { type: 'integer', minimum: 2 } } },
        },
      },
    },
    ...Object.entries(DETAIL_RULES).map(([type, rule]) => ({
      if: { required: ['action_type'], properties: { action_type: { const: type } } },
      then: { properties: { action_detail: { type: 'object', required: rule.required, properties: rule.properties } } },
    })),
  ],
} as const;

/** The top-level record members the schema defines: the fields of spec/aat.md sections 1.1, 1.2 and 1.4. */
export const RECORD_MEMBERS: readonly string[] = Object.keys(RECORD_SCHEMA.properties);
