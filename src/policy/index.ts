/**
 * The Registration Policy (spec/policy.md): the policy file's schema, validation and hash (schema.ts), and the
 * action-rule language (dsl.ts) with its evaluator (rules.ts). Pure: the service applies it at registration,
 * the agent SDK applies the same rules before a tool runs (docs/agents.md "Local policy"). Reading and watching
 * the file is the service's job (src/service/policy/holder.ts).
 */
export { parsePolicy, defaultPolicy, policyHash, DEFAULT_POLICY_DOCUMENT, type Policy, type PolicyIssuer, type PolicyKey, type AatPolicy } from './schema.js';
export { parseRule, isTrustLevel, type RuleAst, type Comparison, type CmpOp, type Literal } from './dsl.js';
export { compileRule, compileGlob, evaluateRules, type ActionRule, type RuleDenial } from './rules.js';
