import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAtlogError } from '../../src/errors.js';
import { compileRule } from '../../src/policy/rules.js';
import { parsePolicy } from '../../src/policy/schema.js';
import { REPO_ROOT } from '../helpers/vectors.js';

/** docs/policy.md is exercised here, so its example file and rule table stay valid (STYLE.md item 10). */
const doc = readFileSync(join(REPO_ROOT, 'docs', 'policy.md'), 'utf8');
const example = /```yaml\n(# \/etc\/atlog\/policy\.yaml[\s\S]*?)```/.exec(doc)![1]!;

describe('docs/policy.md', () => {
  it('has a complete example policy that loads', () => {
    const p = parsePolicy(example, '/etc/atlog/policy.yaml');
    expect(p.issuers.map((i) => i.iss)).toEqual(['urn:agent:acme:support-bot', 'https://agents.acme.example/billing', 'urn:agent:acme:legacy-bot']);
    expect(p.issuers[2]!.status).toBe('revoked');
    expect(p.rules.map((r) => r.name)).toEqual(['no-data-deletion', 'no-shell-in-production', 'trusted-delegation', 'risky-actions-need-review']);
    expect(p.aat.requireRecordPhase).toBe(true);
  });

  it('shows the error the broken variant really produces', () => {
    const broken = example.replace('require risk_score < 0.8 for [tool_call, delegation]', 'require human_override == true for [tool_call] where');
    try {
      parsePolicy(broken, '/etc/atlog/policy.yaml');
      expect.unreachable();
    } catch (e) {
      expect(isAtlogError(e, 'ERR_POLICY_INVALID')).toBe(true);
      const shown = /```\n(\/etc\/atlog\/policy\.yaml:[^\n]*rules\[3\][^\n]*)\n```/.exec(doc)![1]!;
      expect((e as Error).message).toBe(shown);
    }
  });

  it('has rule examples that compile', () => {
    const rules = [...doc.matchAll(/^\| [^|]+ \| `((?:deny|require) [^`]+)` \|$/gm)].map((m) => m[1]!);
    expect(rules.length).toBeGreaterThanOrEqual(5);
    for (const r of rules) expect(() => compileRule('x', r)).not.toThrow();
  });
});
