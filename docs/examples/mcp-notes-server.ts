// docs/integrations.md "MCP proxy": a small MCP server over stdio (the MCP SDK's McpServer), the kind of server
// the proxy fronts. It keeps notes in memory: add_note, list_notes, delete_notes.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const notes: string[] = [];
const server = new McpServer({ name: 'notes', version: '1.0.0' });
server.registerTool('add_note', { description: 'store a note', inputSchema: { text: z.string() } }, async ({ text }) => {
  notes.push(text);
  return { content: [{ type: 'text', text: `saved note ${notes.length}` }] };
});
server.registerTool('list_notes', { description: 'list the notes' }, async () => ({ content: notes.map((text) => ({ type: 'text' as const, text })) }));
server.registerTool('delete_notes', { description: 'delete every note' }, async () => {
  notes.length = 0;
  return { content: [{ type: 'text', text: 'deleted' }] };
});
await server.connect(new StdioServerTransport());
