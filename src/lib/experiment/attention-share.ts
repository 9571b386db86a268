/**
 * The share of full attention's prefill work a run did: its pattern's density (kept entries over
 * the causal entries the run computed over) times the share of causal entries left by the tokens
 * that reached each layer. A pattern alone cannot see pruning: FastV keeping 153 of 256 tokens
 * after layer 1 computes 100 % of what reaches layer 2, yet only 78.6 % of full attention.
 */
import type { RunResult } from './run';

/** Causal (query, key) entries among `n` tokens, each attending to itself and those before it. */
const causal = (n: number) => (n * (n + 1)) / 2;

/**
 * Entries a layer computed for `tokens` rows of a `prompt`-token prompt. More rows than the prompt
 * means several passes (GemFilter reads the whole prompt in a first pass, then its selection):
 * each pass attends among its own rows.
 */
function layerEntries(tokens: number, prompt: number): number {
	return tokens <= prompt ? causal(tokens) : causal(prompt) + layerEntries(tokens - prompt, prompt);
}

export function attentionComputed(result: Pick<RunResult, 'attention' | 'pruning' | 'promptTokens'>): number {
	const perLayer = result.pruning.tokensPerLayer;
	const prompt = result.promptTokens;
	if (perLayer.length === 0 || prompt === 0) return result.attention.density;
	const computed = perLayer.reduce((sum, tokens) => sum + layerEntries(tokens, prompt), 0);
	return (result.attention.density * computed) / (perLayer.length * causal(prompt));
}
