/**
 * The MCP proxy (spec/mcp-proxy.md, docs/integrations.md "MCP proxy"): `McpRelay` is the message logic with no
 * I/O; `runStdioProxy` runs it between this process's stdio (the MCP client) and a child process (the server).
 */
export { McpRelay, type RelayOptions, type CloseReason } from './relay.js';
export { runStdioProxy, type StdioProxyOptions, type ProxyResult } from './stdio.js';
export { RPC } from './jsonrpc.js';
