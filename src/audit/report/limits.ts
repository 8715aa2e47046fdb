import type { AuditResult } from '../types.js';
import type { ReportDetails } from './details.js';
import { html, type Markup } from './html.js';

/**
 * What the evidence cannot prove, however well it verifies (docs/threat-model.md): the same limits for every
 * audit, then those specific to this one (the audit's caveats, trust taken from the file, hashed content).
 */

const ALWAYS: ReadonlyArray<readonly [string, string]> = [
  [
    'An action the agent never recorded.',
    'The log proves that the records it holds are intact, complete as sessions and in order. An agent (or whoever runs it) that acts without writing a record leaves no gap the log can see. Session completeness catches records removed after the fact, not actions that were never logged.',
  ],
  [
    'That the agent’s key was not stolen.',
    'A record signed with a compromised agent key verifies exactly like a genuine one. The evidence proves which key signed, not who held it; when a key is known to be compromised, the records it signed after that moment need other evidence.',
  ],
  [
    'What happened inside the agent’s own process.',
    'Record timestamps, durations and latencies are the agent’s own claims. RFC 3161 timestamps only prove that a record was in the log by a certain time. What the agent did between two records (its reasoning, a tool’s side effects, how long something really took) is not in the evidence.',
  ],
  [
    'That what a record says is true.',
    'A record that says an action succeeded proves that the agent said so, signed it and could not later take it back, not that the action succeeded.',
  ],
];

/** The section. */
export function limitsSection(a: AuditResult, d: ReportDetails | undefined): Markup {
  const specific: string[] = [];
  if (a.trust.serviceKeys !== 'pinned') {
    specific.push(
      a.trust.serviceKeys === 'file'
        ? 'The service keys were taken from the evidence file itself, not pinned by the auditor: the signatures show the file is consistent with itself, not that this service produced it.'
        : 'No service keys were available: the log’s signatures were not checked.',
    );
  }
  if (a.trust.tsaRoots !== 'pinned') {
    specific.push(
      a.trust.tsaRoots === 'file'
        ? 'The timestamp authority roots came from the evidence file, not from the auditor: the anchored times are only as trustworthy as that file.'
        : 'No timestamp authority root was given: no time in this report is anchored by a trusted third party; all times are the agents’ claims.',
    );
  }
  if (a.entries.hashEnvelope > 0) {
    specific.push(`${a.entries.hashEnvelope} records were registered as hashes only (Hash Envelopes): the log proves they existed, but their content and their place in a chain cannot be checked from this file.`);
  }
  if (d !== undefined && d.fields.inputHash + d.fields.outputHash > 0) {
    specific.push('Inputs and outputs appear as hashes: they prove which data was used, not what it said; the data itself must be kept and produced separately.');
  }
  return html`<section id="limits">
<h2>What this evidence cannot prove</h2>
<ul class="limits">
${ALWAYS.map(([head, body]) => html`<li><strong>${head}</strong> ${body}</li>`)}
${[...specific, ...a.caveats].map((c) => html`<li>${c}</li>`)}
</ul>
</section>`;
}
