import type { IncomingMessage } from 'node:http';
import { httpError } from './problems.js';

/**
 * Reads a request body as bytes, refusing more than `limit` bytes before buffering them: a Content-Length
 * above the limit fails at once, and a chunked body fails as soon as it crosses the limit.
 * @throws AtlogError ERR_HTTP_BODY_TOO_LARGE (413) or ERR_HTTP_MALFORMED when the client aborts mid-body.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw httpError('ERR_HTTP_BODY_TOO_LARGE', `request body of ${declared} bytes exceeds the limit of ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise<Uint8Array>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop reading; the response will carry Connection: close so the rest is never parsed.
        req.pause();
        reject(httpError('ERR_HTTP_BODY_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      const buf = Buffer.concat(chunks, size);
      resolve(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
    };
    const onError = (): void => {
      cleanup();
      reject(httpError('ERR_HTTP_MALFORMED', 'request body could not be read'));
    };
    const onAborted = (): void => onError();
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
