// The embedder as the metrics see it: texts embedded (its throughput is the rate of the counter) and
// the time per batch. A wrapper, so every model (USE-lite, transformers.js) is measured the same way.
import { embedBatchDuration, embeddedTexts } from '../observability/metrics.js';
import type { TextEmbedder } from './text-embedder.js';

export function measured(embedder: TextEmbedder): TextEmbedder {
  return {
    get modelId() {
      return embedder.modelId;
    },
    get dimensions() {
      return embedder.dimensions;
    },
    get maxTokens() {
      return embedder.maxTokens;
    },
    countTokens: (text) => embedder.countTokens(text),
    ...(embedder.readableShare ? { readableShare: (text: string) => embedder.readableShare!(text) } : {}),
    embed: async (texts) => {
      const end = embedBatchDuration.startTimer();
      const vectors = await embedder.embed(texts);
      end();
      embeddedTexts.inc(texts.length);
      return vectors;
    },
    dispose: () => embedder.dispose(),
  };
}
