import type { StreamDecoder } from '../protocols/types.ts';
import { tryParseJson } from '../util/json.ts';

/** A stream decoder that first takes each message out of its upstream envelope (Code Assist's `{response}`). */
export function unwrappingDecoder(inner: StreamDecoder, unwrap: (json: unknown) => unknown): StreamDecoder {
  return {
    message(msg) {
      const json = tryParseJson(msg.data);
      // Leave unparseable data alone: the inner decoder reports it as a malformed stream.
      return inner.message(json === undefined ? msg : { ...msg, data: JSON.stringify(unwrap(json)) });
    },
    end: () => inner.end(),
  };
}
