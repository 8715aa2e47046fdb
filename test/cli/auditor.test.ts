import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ensureChromium } from '../helpers/chromium.js';
import { gitStatus, runBash, script, shBlocks } from '../helpers/docs.js';
import { freePort } from '../helpers/net.js';
import { tempDir } from '../helpers/temp.js';

/**
 * docs/auditor.md runs as written: in one bash session at the repository root, quickstart steps 1 to 5 (the
 * service and the records the live sections use), then every sh block of the auditor guide, then the
 * quickstart's last step (stop the service).
 */
describe('docs/auditor.md', () => {
  it('every example runs as written and gives the verdict the guide states', { timeout: 420_000 }, async () => {
    const quick = shBlocks('quickstart.md', '## 6.');
    const { before: audit } = shBlocks('auditor.md');
    expect(audit.length).toBeGreaterThanOrEqual(10);
    expect(audit.join('\n')).not.toMatch(/\bcurl\b|node -e|\.\.\/shared/);
    ensureChromium(); // section 11 prints a PDF: fail here, saying how to get Chromium, rather than midway
    const tmp = tempDir('atlog-auditor-');
    const clean = gitStatus();
    try {
      const port = await freePort();
      const body = [script(quick.before, port), 'echo "=== auditor.md ==="', script(audit, port), 'echo "=== stop ==="', script(quick.after, port)].join('\n');
      const r = runBash(body, tmp, 400_000);
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const out = r.stdout.slice(r.stdout.indexOf('=== auditor.md ==='), r.stdout.indexOf('=== stop ==='));
      // 1: the keys, with their kids
      expect(out).toMatch(/^2 keys written to service-keys\.cbor: [A-Za-z0-9_-]{43}, [A-Za-z0-9_-]{43}$/m);
      // 2, 3 (CCF), 6, 7, two live checks of 8 and one audit of 10 are VALID; sessions say their completeness (5, 8, 9)
      expect(out.match(/^VALID$/gm)?.length).toBe(7);
      expect(out.match(/^VALID \(session complete\)$/gm)?.length).toBe(4); // 5 and three in 9
      expect(out.match(/^VALID \(session inconclusive: not proven complete\)$/gm)?.length).toBe(2); // 5 and the live session of 8
      expect(out).toMatch(/^VALID \(session open: not proven complete\)$/m);
      expect(out).toMatch(/^skip session\.record\[0\]\.signature: not checked: signed by /m);
      // 3 and 4 with --json: valid, and 4 shows each receipt's checked time
      expect(out.match(/^\{"valid":true,/gm)?.length).toBe(2);
      expect(out).toMatch(/"name":"receipt\[0\]\.timestamp\[0\]","ok":true,"detail":"genTime /);
      expect(out).toMatch(/"name":"receipt\[1\]\.timestamp\[0\]","ok":true,"detail":"genTime /);
      // the failures the guide announces, each with its code and exit 1
      expect(out).toMatch(/^NOT VALID: ERR_TSA_UNTRUSTED_ROOT /m);
      expect(out).toContain("exit 1: another TSA's root does not vouch for these tokens");
      expect(out).toMatch(/^\{"valid":false,.*"code":"ERR_AAT_CHAIN_EDITED"/m);
      expect(out).toMatch(/^NOT VALID: ERR_VERIFY_SPLIT_VIEW /m);
      expect(out).toMatch(/^NOT VALID: ERR_AAT_SESSION_INCONCLUSIVE /m);
      expect(out).toMatch(/^\{"valid":false,.*"code":"ERR_AAT_RECORD_BAD_SIGNATURE"/m);
      expect(out).toMatch(/^NOT VALID: ERR_AAT_SESSION_OPEN /m);
      expect(out).toMatch(/^NOT VALID: ERR_AAT_CHAIN_INVALID_RECORD /m);
      expect(out.match(/^exit 1$/gm)?.length).toBe(6);
      // 8: the live artefacts, timestamps checked
      expect(out).toMatch(/^TSA root certificate written to tsa-root\.pem$/m);
      expect(out).toMatch(/^ok +receipt\[0\]\.timestamp\[0\]: genTime /m);
      expect(out).toMatch(/^consistency receipt \d+ -> \d+ written to consistency\.cose$/m);
      // 10: export and audit; the open session fails unless allowed, and unpinned keys cannot be evaluated
      expect(out).toMatch(/^\d+ entries \(\d+ bytes\) written to bot-1\.evidence$/m);
      expect(out).toMatch(/^\d+ entries \(\d+ bytes\) written to log\.evidence$/m);
      expect(out).toMatch(/^NOT VALID: ERR_AAT_SESSION_INCONCLUSIVE sessions\.completeness: /m);
      expect(out).toMatch(/^exit 1: the session has no session_end/m);
      expect(out).toMatch(/^  urn:agent:example:bot-1: \d+ session\(s\), \d+ record\(s\), .*, anchored .*: VALID$/m);
      expect(out).toMatch(/^CANNOT EVALUATE: ERR_AUDIT_UNPINNED_KEYS /m);
      expect(out).toMatch(/^exit 2: no --keys/m);
      // 11: the monitor pins the keys on first use, records the checkpoint, then sees the log grow; no service: exit 2
      expect(out).toMatch(/^trust on first use: pinned the 2 service key\(s\) http:\/\/127\.0\.0\.1:\d+ serves now \([A-Za-z0-9_-]{43}, [A-Za-z0-9_-]{43}\) into monitor\.json; /m);
      const first = /^\S+Z OK first checkpoint recorded: size (\d+), root [0-9a-f]{16}…$/m.exec(out);
      expect(first).not.toBeNull();
      expect(out).toContain(`OK size ${first![1]} -> ${Number(first![1]) + 1}: consistent, root `);
      // 12: the report of section 10's export (valid: the open session is allowed), DORA with a PDF, and without pinned keys (exit 2)
      expect(out).toMatch(/^report written to report\.html: valid \(1 agent\(s\), \d+ session\(s\), \d+ entries\)$/m);
      expect(out).toMatch(/^report written to report-dora\.html: valid /m);
      expect(out).toMatch(/^PDF written to report-dora\.pdf$/m);
      expect(out).toMatch(/^report written to unpinned\.html: CANNOT EVALUATE \(.*\): trust\.keys ERR_AUDIT_UNPINNED_KEYS /m);
      expect(out.match(/^exit 2$/gm)?.length).toBe(2);
      // the published scitt-rfc9162 vectors: three failures, two valid
      expect(out).toMatch(/^1\n1\n1\n0\n0$/m);
      expect(gitStatus()).toBe(clean);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
