import type { CanonicalRequest, CanonicalResponse, StreamEvent } from '../core/index.ts';
import type { StreamDecoder } from '../protocols/types.ts';

/**
 * A stop sequence an upstream says it matched reaches the client only when the client asked for it:
 * a server may stop on strings of its own (SGLang's chat templates add theirs, `<|im_end|>`), which for
 * the client are the answer's natural end, not a `stop_sequence` it could look for in its request.
 */
function asked(req: CanonicalRequest, sequence: string): boolean {
  return req.stop?.includes(sequence) === true;
}

/** The whole answer with a stop sequence the client did not ask for read as a plain stop. */
export function keepAskedStop(res: CanonicalResponse, req: CanonicalRequest): void {
  if (res.stopSequence === undefined || asked(req, res.stopSequence)) return;
  res.finishReason = 'stop';
  delete res.stopSequence;
}

/** The stream's finish, as keepAskedStop reads a whole answer's. */
export function askedStopDecoder(inner: StreamDecoder, req: CanonicalRequest): StreamDecoder {
  const pass = (events: StreamEvent[]): StreamEvent[] => {
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.type === 'finish' && ev.stopSequence !== undefined && !asked(req, ev.stopSequence)) events[i] = { type: 'finish', reason: 'stop', usage: ev.usage };
    }
    return events;
  };
  return { message: (msg) => pass(inner.message(msg)), end: () => pass(inner.end()) };
}
