/**
 * Keyformer: "key tokens" score by a Gumbel-softmax of the pre-softmax logits,
 * softmax((z + G)/τ) with G ~ Gumbel(0, 1) (seeded here), accumulated over queries and steps;
 * τ rises linearly from τ_init to τ_end over `tau_steps` decode steps. A recent window keeps
 * its share of the budget; the key tokens fill the rest.
 */
import type { KvPolicy } from '../types';
import { BUDGET_PARAMS, keepLast } from './select';
import { compressEvery } from './wrappers';

export const keyformer: KvPolicy = compressEvery(1, {
	id: 'keyformer',
	name: 'Keyformer',
	summary: 'Keeps recent tokens plus the "key tokens" that a noisy (Gumbel) softmax of the attention logits keeps favouring.',
	paper: { title: 'Keyformer: KV Cache Reduction through Key Tokens Selection for Efficient Generative Inference', year: 2024, url: 'https://arxiv.org/abs/2403.09054' },
	needs: [],
	params: {
		...BUDGET_PARAMS,
		recent_share: { kind: 'number', label: 'Recent share', description: 'Paper: a recent window of 30 % of the prompt in a 60 % cache, i.e. half.', min: 0, max: 1, step: 0.05, default: 0.5 },
		tau_init: { kind: 'number', label: 'τ initial', min: 0.01, max: 100, default: 1 },
		tau_end: { kind: 'number', label: 'τ final', min: 0.01, max: 100, default: 2 },
		tau_steps: { kind: 'int', label: 'Steps to τ final', description: 'The paper uses the number of tokens to generate.', min: 1, max: 65536, default: 16 }
	},
	scoreLogits: (p, logits, step, random) => {
		const tau = (p.tau_init as number) + (Math.min(step, p.tau_steps as number) * ((p.tau_end as number) - (p.tau_init as number))) / (p.tau_steps as number);
		// Gumbel(0, 1) noise: −ln(−ln U).
		const noisy = Float64Array.from(logits, (z) => (z - Math.log(-Math.log(Math.max(random(), 1e-12)))) / tau);
		const max = Math.max(...noisy);
		const exp = noisy.map((v) => Math.exp(v - max));
		const total = exp.reduce((a, b) => a + b, 0);
		return exp.map((v) => v / total);
	},
	score: (p, { budget, custom }) => keepLast(Float64Array.from(custom), Math.round(budget * (p.recent_share as number)))
});
