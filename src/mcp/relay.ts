import type { Outcome } from '../aat/types.js';
import { isAtlogError } from '../errors.js';
import type { ToolCall, ToolOptions } from '../sdk/call.js';
import type { Session, SessionSummary } from '../sdk/session.js';
import { errorResponse, idKey, isErrorResponse, isNotification, isRequest, isResult, RPC, type JSONRPCMessage, type JSONRPCRequest, type RequestId } from './jsonrpc.js';

/**
 * The MCP proxy's relay (spec/mcp-proxy.md): what happens to each JSON-RPC message between an MCP client and an
 * MCP server, with no I/O of its own (the stdio wiring is src/mcp/stdio.ts). Every message passes unchanged,
 * except that:
 * - the client's `initialize` opens the audit session first (its genesis is the `session_start`);
 * - a `tools/call` is recorded in the SDK's three phases: `decision` and `tool_call` before it is forwarded
 *   (and only once the tier allows it), `tool_response` or `error` when the server answers; a call the policy
 *   denies, or that cannot be recorded as the tier requires, is answered with a JSON-RPC error and never forwarded;
 * - closing records `session_end`.
 * Client messages are handled one after another, in order; server messages are forwarded at once.
 */

export interface RelayOptions {
  /** Sends a message to the MCP client. */
  toClient(message: JSONRPCMessage): Promise<void>;
  /** Sends a message to the MCP server. */
  toServer(message: JSONRPCMessage): Promise<void>;
  /** Opens the audit session (called on the client's initialize; again after a failure). */
  openSession(): Promise<Session>;
  /** One line of diagnostics (stderr in the CLI; never stdout, which carries MCP). */
  log(line: string): void;
  /** Per-tool options of every recorded call (extra action_detail members, raw values). */
  tool?: ToolOptions;
}

/** How a session ends: the outcome of its session_end. */
export type CloseReason = 'client' | 'server' | 'signal';

/** An error as `ToolCall.fail` records it: error_code from `code`, error_message from `name`. */
function failure(name: string, code: string): { name: string; code: string } {
  return { name, code };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class McpRelay {
  private session: Session | undefined;
  private opening: Promise<Session | undefined> | undefined;
  /** The chain of client messages being handled, in order. */
  private tail: Promise<void> = Promise.resolve();
  /** Forwarded tools/call requests awaiting the server's answer, by request id. */
  private readonly calls = new Map<string, ToolCall>();
  /** Every forwarded client request awaiting an answer (answered by the proxy when the server is gone). */
  private readonly pending = new Map<string, RequestId>();
  private closing: Promise<SessionSummary | undefined> | undefined;
  /** Set once the client messages received before close() are handled: later ones are dropped. */
  private stopped = false;

  constructor(private readonly o: RelayOptions) {}

  /** The session, once the client has initialised. */
  get current(): Session | undefined {
    return this.session;
  }

  /** A message from the client: handled after the ones before it. Never throws. */
  fromClient(m: JSONRPCMessage): void {
    this.tail = this.tail.then(() => this.handleClient(m)).catch((e: unknown) => this.o.log(`client message not handled: ${message(e)}`));
  }

  /**
   * A line from the client that is no MCP message (the transport could not parse it): answered with a JSON-RPC
   * parse error (not JSON) or invalid request (JSON of the wrong shape), without an id. Never forwarded.
   */
  fromClientUnreadable(error: Error): void {
    const notJson = error instanceof SyntaxError;
    this.o.log(`unreadable message from the client: ${error.message.split('\n')[0]}`);
    this.send('client', errorResponse(undefined, notJson ? RPC.PARSE_ERROR : RPC.INVALID_REQUEST, notJson ? 'Parse error' : 'Invalid Request'));
  }

  /** A message from the server: the end of a recorded call is written, then the message is forwarded. Never throws. */
  fromServer(m: JSONRPCMessage): void {
    if ((isResult(m) || isErrorResponse(m)) && m.id !== undefined) {
      const key = idKey(m.id);
      this.pending.delete(key);
      const call = this.calls.get(key);
      if (call) {
        this.calls.delete(key);
        this.quietly(() => {
          if (isErrorResponse(m)) call.fail(failure('JsonRpcError', String(m.error.code)));
          else if (isResult(m) && m.result['isError'] === true) call.fail(failure('ToolError', 'isError'));
          else call.end(isResult(m) ? m.result : undefined);
        });
      }
    }
    this.send('client', m);
  }

  /**
   * Ends the relay: waits for the client messages under way, answers what the server left unanswered (when it
   * is gone), records an `error` for each call without an answer, then closes the session (`session_end`,
   * outcome `failure` when the server went first). Resolves with the session's summary; undefined without one.
   * @throws AtlogError from `Session.close` (the service unreachable and no queue, the session broken).
   */
  close(reason: CloseReason): Promise<SessionSummary | undefined> {
    this.closing ??= this.finish(reason);
    return this.closing;
  }

  private async finish(reason: CloseReason): Promise<SessionSummary | undefined> {
    await this.tail;
    this.stopped = true;
    await this.opening;
    const code = reason === 'server' ? 'MCP_SERVER_EXITED' : 'MCP_CLIENT_CLOSED';
    for (const call of this.calls.values()) this.quietly(() => call.fail(failure('NoAnswer', code)));
    this.calls.clear();
    if (reason === 'server') {
      for (const id of this.pending.values()) this.send('client', errorResponse(id, RPC.CONNECTION_CLOSED, 'MCP server exited'));
    }
    this.pending.clear();
    if (!this.session) return undefined;
    const outcome: Outcome = reason === 'server' ? 'failure' : 'success';
    return this.session.close({ outcome });
  }

  private async handleClient(m: JSONRPCMessage): Promise<void> {
    if (this.stopped) return;
    if (isRequest(m) && m.method === 'initialize' && !(await this.ensureSession())) {
      this.send('client', errorResponse(m.id, RPC.NOT_RECORDED, 'atlog: the audit session could not be opened'));
      return;
    }
    if (isRequest(m) && m.method === 'tools/call') return this.toolCall(m);
    if (isNotification(m) && m.method === 'tools/call') {
      this.o.log('dropped a tools/call sent as a notification: it could not be recorded');
      return;
    }
    this.forward(m);
  }

  /** Opens the session unless open; false (and logged) when it cannot be opened. */
  private async ensureSession(): Promise<boolean> {
    if (this.session) return true;
    this.opening ??= this.o.openSession().then(
      (s) => {
        this.session = s;
        this.o.log(`session ${s.sessionId} open (agent ${s.agentId}, ${s.tier} tier)`);
        return s;
      },
      (e: unknown) => {
        this.o.log(`cannot open the audit session: ${isAtlogError(e) ? `${e.code} ` : ''}${message(e)}`);
        return undefined;
      },
    ).finally(() => {
      this.opening = undefined;
    });
    return (await this.opening) !== undefined;
  }

  private async toolCall(m: JSONRPCRequest): Promise<void> {
    const { id, params } = m;
    const refuse = (code: number, text: string, e?: unknown): void => {
      const data = isAtlogError(e) ? { code: e.code, ...(e.details ?? {}) } : undefined;
      this.send('client', errorResponse(id, code, text, data));
    };
    const name = params?.['name'];
    if (typeof name !== 'string' || name === '') return refuse(RPC.INVALID_PARAMS, 'tools/call needs params.name, a non-empty string');
    if (!this.session) return refuse(RPC.NOT_RECORDED, 'atlog: no audit session (the client has not initialised)');
    let call: ToolCall;
    try {
      call = this.session.beginCall(name, params?.['arguments'], this.o.tool);
      await call.ready();
    } catch (e) {
      if (isAtlogError(e, 'ERR_POLICY_DENIED')) return refuse(RPC.POLICY_DENIED, `atlog: tool ${name} denied by policy: ${String(e.details?.['reason'] ?? e.message)}`, e);
      this.o.log(`tool ${name} not run: ${message(e)}`);
      return refuse(RPC.NOT_RECORDED, `atlog: tool ${name} not run: ${message(e)}`, e);
    }
    if (this.closing) {
      // The relay is closing: the call is recorded as not forwarded, and answered if the client is still there.
      this.quietly(() => call.fail(failure('NotForwarded', 'MCP_CLOSING')));
      return refuse(RPC.CONNECTION_CLOSED, 'atlog: the proxy is closing');
    }
    this.calls.set(idKey(id), call);
    this.forward(m);
  }

  private forward(m: JSONRPCMessage): void {
    if (isRequest(m)) this.pending.set(idKey(m.id), m.id);
    this.send('server', m);
  }

  private send(to: 'client' | 'server', m: JSONRPCMessage): void {
    let p: Promise<void>;
    try {
      p = to === 'client' ? this.o.toClient(m) : this.o.toServer(m);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.catch((e: unknown) => {
      this.o.log(`cannot send to the ${to}: ${message(e)}`);
      if (to === 'server' && isRequest(m)) this.fromServer(errorResponse(m.id, RPC.CONNECTION_CLOSED, 'MCP server unreachable'));
    });
  }

  /** Recording after the server answered never stops the answer: a failure is logged. */
  private quietly(f: () => unknown): void {
    try {
      f();
    } catch (e) {
      this.o.log(`record not written: ${isAtlogError(e) ? `${e.code} ` : ''}${message(e)}`);
    }
  }
}
