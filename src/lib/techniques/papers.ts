/** Papers cited by more than one technique, so every citation of a paper reads the same. */
import type { Paper } from './types';

export const minference: Paper = { title: 'MInference 1.0: Accelerating Pre-filling for Long-Context LLMs via Dynamic Sparse Attention', year: 2024, url: 'https://arxiv.org/abs/2407.02490' };
export const streamingLlm: Paper = { title: 'Efficient Streaming Language Models with Attention Sinks', year: 2023, url: 'https://arxiv.org/abs/2309.17453' };
export const lmInfinite: Paper = { title: 'LM-Infinite: Zero-Shot Extreme Length Generalization for Large Language Models', year: 2023, url: 'https://arxiv.org/abs/2308.16137' };
export const longformer: Paper = { title: 'Longformer: The Long-Document Transformer', year: 2020, url: 'https://arxiv.org/abs/2004.05150' };
