import type { JSONRPCErrorResponse, JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, JSONRPCResultResponse, RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * The few JSON-RPC 2.0 facts the MCP proxy needs (spec/mcp-proxy.md): which kind a message is, a map key for a
 * request id, and the error responses the proxy itself sends. Messages reach the proxy already checked against
 * the MCP schema by the SDK's stdio transports, so telling the kinds apart by their members is enough.
 */

export type { JSONRPCMessage, JSONRPCRequest, RequestId };

/** The error codes the proxy answers with (spec/mcp-proxy.md section 4). */
export const RPC = {
  /** The line was not JSON. */
  PARSE_ERROR: -32700,
  /** JSON, but no JSON-RPC 2.0 message of MCP (a batch, a missing member). */
  INVALID_REQUEST: -32600,
  /** A tools/call without a tool name. */
  INVALID_PARAMS: -32602,
  /** The MCP server exited before it answered (the MCP SDK's ConnectionClosed). */
  CONNECTION_CLOSED: -32000,
  /** The local policy denied the tool call: it never reached the server. */
  POLICY_DENIED: -32001,
  /** The call could not be recorded as the tier requires (no session, service unreachable, bad receipt). */
  NOT_RECORDED: -32002,
} as const;

export function isRequest(m: JSONRPCMessage): m is JSONRPCRequest {
  return 'method' in m && 'id' in m;
}

export function isNotification(m: JSONRPCMessage): m is JSONRPCNotification {
  return 'method' in m && !('id' in m);
}

export function isResult(m: JSONRPCMessage): m is JSONRPCResultResponse {
  return 'result' in m && 'id' in m;
}

export function isErrorResponse(m: JSONRPCMessage): m is JSONRPCErrorResponse {
  return 'error' in m;
}

/** A map key for a request id: 1 and "1" are different ids. */
export function idKey(id: RequestId): string {
  return `${typeof id}:${String(id)}`;
}

/** An error response; without an id when the request had none that could be read (MCP allows that). */
export function errorResponse(id: RequestId | undefined, code: number, message: string, data?: Record<string, unknown>): JSONRPCErrorResponse {
  return {
    jsonrpc: '2.0',
    ...(id !== undefined ? { id } : {}),
    error: { code, message, ...(data !== undefined ? { data } : {}) },
  };
}
