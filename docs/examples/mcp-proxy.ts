// docs/integrations.md "MCP proxy": an MCP client reaches an MCP server through `atlog mcp-proxy`, then an auditor
// fetches the session the proxy recorded and verifies it offline. Needs a running service that knows the agent
// (docs/quickstart.md sections 1 and 2); runs as is in the repository:
//   ATLOG_URL=http://127.0.0.1:8080 AGENT_ID=urn:agent:example:bot-1 AGENT_KEY=agent.cose \
//     node --import tsx docs/examples/mcp-proxy.ts
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { createClient } from 'atlog';
import { parsePublicKeys, verifySessionBundle } from 'atlog/verify';

const url = process.env['ATLOG_URL'] ?? 'http://127.0.0.1:8080';
const agentId = process.env['AGENT_ID'] ?? 'urn:agent:example:bot-1';
const agentKey = process.env['AGENT_KEY'] ?? 'agent.cose';
const atlogCli = fileURLToPath(new URL('dist/cli/main.js', import.meta.resolve('atlog/package.json'))); // the `atlog` binary
const notesServer = fileURLToPath(new URL('./mcp-notes-server.ts', import.meta.url));

// 1. A local policy in the service's format: its rules apply before a call reaches the server.
const policy = join(tmpdir(), `mcp-proxy-example-${process.pid}.yaml`);
writeFileSync(policy, 'version: 1\nrules:\n  - name: keep-notes\n    rule: deny tool_call where tool_name == "delete_notes"\n');

// 2. The client starts the proxy instead of the server: `atlog mcp-proxy FLAGS -- SERVER COMMAND`.
const sessionId = crypto.randomUUID();
const transport = new StdioClientTransport({
  command: process.execPath,
  args: [atlogCli, 'mcp-proxy', '--url', url, '--agent-id', agentId, '--key', agentKey, '--session-id', sessionId, '--policy', policy,
    '--', process.execPath, '--import', 'tsx', notesServer],
});
const client = new Client({ name: 'example-client', version: '1.0.0' });
await client.connect(transport);
console.log(`tools: ${(await client.listTools()).tools.map((t) => t.name).join(', ')}`);
const added = await client.callTool({ name: 'add_note', arguments: { text: 'buy milk' } });
console.log(`add_note: ${(added.content as Array<{ text: string }>)[0]!.text}`);
try {
  await client.callTool({ name: 'delete_notes', arguments: {} });
} catch (e) {
  console.log(`delete_notes: refused, JSON-RPC error ${(e as McpError).code}`);
}
await client.close(); // the proxy records session_end and exits

// 3. The auditor: the session bundle from the service, verified offline with the service's keys.
const log = createClient({ url });
const serviceKeys = parsePublicKeys((await log.keys()).bytes);
for (let tries = 0; ; tries++) {
  const report = await verifySessionBundle(await log.sessionBundle(agentId, sessionId), { serviceKeys, allowIncomplete: true });
  const complete = report.completeness?.state === 'complete';
  if (complete || tries === 100) {
    const kinds = report.records.map((r) => (r.outcome === 'success' ? r.action_type : `${r.action_type}(${r.outcome})`));
    console.log(`session: ${report.valid && complete ? 'VALID' : 'NOT VALID'}, ${kinds.join(' ')}`);
    break;
  }
  await new Promise((r) => setTimeout(r, 200)); // the proxy may still be registering session_end
}
