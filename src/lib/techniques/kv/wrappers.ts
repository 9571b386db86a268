/**
 * Wrappers that apply to any KV scorer, as kvpress's `AdaKVPress` and `DecodingPress` wrap a
 * press: each adds its knobs to the policy's parameters and one behaviour to the runtime.
 */
import type { ParamSpecs } from '../../params/param-spec';
import { range, topK } from '../ranking';
import type { KvPolicy } from '../types';

const EVERY = { kind: 'int', label: 'Compress every', unit: 'steps', description: '0 = once after prefill; N = also every N decoded tokens.', min: 0, max: 65536 } as const;

/** Also compresses every `every` decode steps (a knob; 0 = after prefill only). */
export function compressEvery(every: number, policy: KvPolicy, description: string = EVERY.description): KvPolicy {
	return {
		...policy,
		params: { ...policy.params, every: { ...EVERY, description, default: every } },
		compressesAt: (p, step) => (p.every as number) > 0 && step % (p.every as number) === 0
	};
}

const HEAD_BUDGET_PARAMS = {
	head_budgets: {
		kind: 'enum',
		label: 'Head budgets',
		description: 'adaptive (AdaKV): a layer\'s total budget goes to the heads whose entries score highest.',
		options: ['uniform', 'adaptive'],
		default: 'uniform'
	},
	alpha: { kind: 'number', label: 'AdaKV safeguard α', description: 'Share of each head\'s uniform budget it always keeps (kvpress: 0.2).', min: 0, max: 1, step: 0.05, default: 0.2 }
} as const satisfies ParamSpecs;

/** Offers AdaKV's head-wise budgets (a knob; uniform by default). */
export function adaKv(policy: KvPolicy): KvPolicy {
	return {
		...policy,
		params: { ...policy.params, ...HEAD_BUDGET_PARAMS },
		allocate: (p, scores, budgets) =>
			p.head_budgets === 'adaptive'
				? adaptiveBudgets(scores, Math.floor(budgets.reduce((sum, b) => sum + b, 0) / budgets.length), p.alpha as number)
				: scores.map((s, h) => topK(s, budgets[h], range(0, s.length)))
	};
}

/**
 * AdaKV (kvpress `AdaKVPress`): each head first keeps its top floor(α·budget) entries; the rest
 * of the layer's budget (heads × budget) goes to the highest remaining scores across all heads.
 */
export function adaptiveBudgets(scores: Float64Array[], budget: number, alpha: number): number[][] {
	const guaranteed = Math.floor(budget * alpha);
	const kept = scores.map((s) => topK(s, guaranteed, range(0, s.length)));
	const taken = kept.map((k) => new Set(k));
	const pool: { head: number; index: number; score: number }[] = [];
	scores.forEach((s, head) => s.forEach((score, index) => taken[head].has(index) || pool.push({ head, index, score })));
	pool.sort((a, b) => b.score - a.score || a.head - b.head || a.index - b.index);
	const remaining = Math.max(0, scores.length * budget - kept.reduce((n, k) => n + k.length, 0));
	for (const { head, index } of pool.slice(0, remaining)) kept[head].push(index);
	return kept.map((k) => k.sort((a, b) => a - b));
}
