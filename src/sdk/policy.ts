import { canonicalBytes } from '../aat/jcs.js';
import { sha256 } from '../crypto/sha256.js';
import { AtlogError } from '../errors.js';
import { compileRule, evaluateRules, type ActionRule, type RuleDenial } from '../policy/rules.js';
import type { Policy } from '../policy/schema.js';
import { toHex } from '../util/bytes.js';

/**
 * The agent's local policy: the action rules of the service's Registration Policy (spec/policy.md section 3),
 * compiled and evaluated by the service's own code (src/policy), applied to every record before it joins the
 * chain. A record the rules refuse is never recorded (a tool call is recorded as a denied decision instead), so
 * what the service would refuse at registration is refused here first, before anything runs.
 */

/** One rule as the policy file writes it. */
export interface RuleSpec {
  name: string;
  rule: string;
}

export class LocalPolicy {
  private constructor(
    private readonly rules: readonly ActionRule[],
    /** Hex SHA-256 naming the policy in the genesis record: the file's policy hash, or that of `{ rules }`. */
    readonly hash: string,
  ) {}

  /** No rules: every action is allowed. */
  static readonly none = new LocalPolicy([], toHex(sha256(canonicalBytes({ rules: [] }))));

  /**
   * A policy of inline rules, `{ rules: [{ name, rule }] }`.
   * @throws AtlogError ERR_POLICY_INVALID for a missing, empty or repeated name or a rule that is not text;
   *   ERR_POLICY_RULE_SYNTAX (details.rule, details.column) for a rule that does not parse.
   */
  static fromRules(specs: readonly RuleSpec[]): LocalPolicy {
    if (!Array.isArray(specs)) throw new AtlogError('ERR_POLICY_INVALID', 'policy.rules must be an array of { name, rule }');
    const seen = new Set<string>();
    const rules = specs.map((s, i) => {
      const name: unknown = s?.name;
      const rule: unknown = s?.rule;
      if (typeof name !== 'string' || name === '' || typeof rule !== 'string') {
        throw new AtlogError('ERR_POLICY_INVALID', `policy.rules[${i}] must be { name: non-empty text, rule: text }`, { details: { field: `rules[${i}]` } });
      }
      if (seen.has(name)) throw new AtlogError('ERR_POLICY_INVALID', `duplicate rule name ${name}`, { details: { field: `rules[${i}].name` } });
      seen.add(name);
      return compileRule(name, rule);
    });
    const hash = toHex(sha256(canonicalBytes({ rules: rules.map((r) => ({ name: r.name, rule: r.source })) })));
    return new LocalPolicy(rules, hash);
  }

  /** The action rules of a parsed policy file (`parsePolicy`); its issuers and other settings are the service's. */
  static fromPolicy(policy: Policy): LocalPolicy {
    return new LocalPolicy(policy.rules, policy.hashHex);
  }

  /** Number of rules. */
  get size(): number {
    return this.rules.length;
  }

  /** The first rule that refuses `record`, or undefined (rules in order, as the service applies them). */
  check(record: Readonly<Record<string, unknown>>): RuleDenial | undefined {
    return this.rules.length === 0 ? undefined : evaluateRules(this.rules, record as Record<string, unknown>);
  }
}

/** The error a refused action throws: ERR_POLICY_DENIED with the rule's name and reason. */
export function policyDenied(denial: RuleDenial, what: string): AtlogError {
  return new AtlogError('ERR_POLICY_DENIED', `${what}: ${denial.reason}`, { details: { rule: denial.rule, reason: denial.reason } });
}
