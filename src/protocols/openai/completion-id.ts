import { openaiCompletionId } from '../../core/ids.ts';

/**
 * The id shown to an OpenAI client: the upstream's own when it is already a `chatcmpl-` id,
 * otherwise prefixed (keeping the upstream id visible for tracing) so clients that check
 * the prefix are not surprised.
 */
export function clientCompletionId(id: string | undefined): string {
  if (!id) return openaiCompletionId();
  return id.startsWith('chatcmpl-') ? id : `chatcmpl-${id}`;
}
