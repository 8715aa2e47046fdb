import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { auditEvidence, type AuditResult } from '../audit/index.js';
import { FRAMEWORKS, readReportDetails, renderReport, type Framework } from '../audit/report/index.js';
import { AtlogError, isAtlogError } from '../errors.js';
import { auditFlags, auditOptions, fileChunks, type AuditFlags } from './audit.js';
import { printToPdf } from './chromium.js';

/**
 * `atlog report FILE --out report.html [--framework eu-ai-act|dora] [--pdf report.pdf]` and the audit's flags
 * (docs/auditor.md "A report people can read"): audits the evidence file exactly as `atlog audit` does, reads
 * its records a second time for the timelines (both passes stream), and writes one self-contained HTML page.
 * The page is written whatever the verdict: a report of evidence that does not hold up is the one most worth
 * reading. Exit status is the audit's (0 valid, 1 not valid, 2 cannot evaluate); 2 without a report when the
 * file or a key cannot be read or the options are wrong, and 2 when the PDF cannot be printed (the HTML stays).
 */

interface Flags extends AuditFlags {
  out: string;
  framework: string;
  pdf?: string;
}

const VERDICT: Readonly<Record<AuditResult['verdict'], string>> = { valid: 'valid', invalid: 'NOT VALID', 'cannot-evaluate': 'CANNOT EVALUATE' };

function frameworkOf(s: string): Framework {
  const f = FRAMEWORKS.find((x) => x === s);
  if (f === undefined) throw new AtlogError('ERR_CLI_USAGE', `--framework must be one of ${FRAMEWORKS.join(', ')}, not "${s}"`);
  return f;
}

/** Writes `text` to `file` whole or not at all (a reader never sees half a report). */
function writeWhole(file: string, text: string): void {
  const partial = `${file}.partial`;
  try {
    writeFileSync(partial, text);
    renameSync(partial, file);
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}

/** One line for the terminal: where the report is, its verdict and its first failure. */
function summaryLine(out: string, a: AuditResult): string {
  const sessions = a.agents.reduce((n, g) => n + g.sessions.length, 0);
  const what = `${a.agents.length} agent(s), ${sessions} session(s), ${a.entries.total} entries`;
  const why = a.failure ? `: ${a.failure.check} ${a.failure.code} ${a.failure.detail}` : '';
  return `report written to ${out}: ${VERDICT[a.verdict]} (${what})${why}\n`;
}

/** Adds `atlog report` to the program. */
export function register(program: Command): void {
  const cmd = auditFlags(
    new Command('report')
      .description('audit an evidence file (atlog export) and write a self-contained HTML report people can read')
      .argument('<file>', 'evidence file written by atlog export')
      .requiredOption('--out <file>', 'where to write the HTML page')
      .option('--framework <name>', `which regulation the evidence is mapped to: ${FRAMEWORKS.join(' or ')}`, 'eu-ai-act')
      .option('--pdf <file>', 'also print the page to PDF with headless Chromium (ATLOG_CHROMIUM or chromium on PATH)'),
  )
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (file: string, f: Flags) => {
      try {
        const framework = frameworkOf(f.framework);
        const audit = await auditEvidence(fileChunks(file), auditOptions(file, f));
        const details = await readReportDetails(fileChunks(file));
        writeWhole(f.out, renderReport({ audit, details, framework, file: basename(file), generatedAt: new Date().toISOString() }));
        process.stdout.write(summaryLine(f.out, audit));
        process.exitCode = audit.exitCode;
        if (f.pdf !== undefined) {
          await printToPdf(f.out, f.pdf);
          process.stdout.write(`PDF written to ${f.pdf}\n`);
        }
      } catch (e) {
        // Inputs the audit never got (a file or key that cannot be read), bad options, a report or PDF not written.
        const msg = e instanceof Error ? e.message : String(e);
        process.stderr.write(`atlog report: ${isAtlogError(e) ? `${msg} (${e.code})` : msg}\n`);
        process.exitCode = 2;
      }
    });
  program.addCommand(cmd);
}
