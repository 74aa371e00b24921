import { ProxyError } from '../core/errors.ts';

/**
 * The response with a body that gives up once the upstream sends nothing for `idleMs`: `abort` then
 * cuts the upstream connection and the reader gets a 504 naming timeouts.idle_ms. Without it a server
 * that sent its headers and stalled mid-body would hold a non-streaming request for ever, since the
 * headers deadline is over by then. SSE streams are not wrapped: their relay keeps its own clock.
 */
export function withBodyIdleDeadline(res: Response, idleMs: number, abort: () => void, host: string): Response {
  if (!res.body || idleMs <= 0) return res;
  const reader = res.body.getReader();
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => clearTimeout(timer);
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (timer) timer.refresh();
        else
          timer = setTimeout(() => {
            idle = true;
            abort();
          }, idleMs);
        try {
          const { done, value } = await reader.read();
          if (done) {
            stop();
            controller.close();
          } else controller.enqueue(value);
        } catch (e) {
          stop();
          controller.error(
            idle
              ? new ProxyError({ kind: 'timeout', message: `upstream ${host} stopped sending its response for ${idleMs / 1000} s (timeouts.idle_ms)` })
              : e,
          );
        }
      },
      cancel(reason) {
        stop();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
