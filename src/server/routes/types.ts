import type { ClientKey } from '../client-keys.ts';
import type { RequestLog } from '../request-log.ts';

export interface RouteArgs {
  request: Request;
  /** Provider named by the path prefix (`/claude-custom/v1/...`). */
  prefix?: string;
  /** The request path, for logs. */
  path: string;
  params: Record<string, string | undefined>;
  /** Writes the request's log line; the first call wins. */
  log: RequestLog;
  /** The client key that authenticated the request. */
  caller?: ClientKey;
  /** Called once the client's body is read: a streaming route then lifts the connection's idle timeout. */
  bodyRead?: () => void;
}
