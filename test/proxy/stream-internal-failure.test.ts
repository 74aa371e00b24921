/**
 * A bug of ours (a decoder or encoder throwing on some input) must still end the client's stream
 * with an error, stop the upstream and report the end, or the request stays in flight and unlogged.
 */
import { describe, expect, test } from 'bun:test';
import { codecs } from '../../src/protocols/index.ts';
import type { StreamDecoder, StreamEncoder } from '../../src/protocols/types.ts';
import { convertStream, type StreamEnd } from '../../src/proxy/stream-pipeline.ts';
import { manualSource, readRest } from '../helpers/manual-stream.ts';

const throwingDecoder = (): StreamDecoder => {
  const real = codecs.anthropic.createStreamDecoder();
  return {
    message: (m) => {
      if (m.data.includes('boom')) throw new Error('decoder bug');
      return real.message(m);
    },
    end: () => real.end(),
  };
};

describe('an exception while converting a stream', () => {
  test("in the decoder: the client gets its protocol's in-band error, the upstream is cancelled, the end is reported", async () => {
    const src = manualSource();
    let ended: StreamEnd | undefined;
    const body = convertStream(src.stream, throwingDecoder(), codecs.openai.createStreamEncoder({ model: 'm' }), (e) => (ended = e));
    src.push('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1,"output_tokens":0}}}\n\n');
    src.push('event: content_block_delta\ndata: {"boom":true}\n\n');
    const text = await readRest(body.getReader());
    expect(text).toContain('"error"');
    expect(text).toContain('decoder bug');
    expect(src.cancelled()).toBe(true);
    expect(ended?.error).toContain('decoder bug');
  });

  test('in the encoder too: the stream still ends, and the end is reported', async () => {
    const src = manualSource();
    let ended: StreamEnd | undefined;
    const broken: StreamEncoder = {
      encode: () => {
        throw new Error('encoder bug');
      },
      end: () => '',
      keepalive: () => '',
    };
    const body = convertStream(src.stream, codecs.anthropic.createStreamDecoder(), broken, (e) => (ended = e));
    src.push('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":1,"output_tokens":0}}}\n\n');
    await readRest(body.getReader());
    expect(src.cancelled()).toBe(true);
    expect(ended?.error).toContain('encoder bug');
  });
});
