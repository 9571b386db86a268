/**
 * Which of MInference's shapes fits each head best: during prefill, each head's attention is
 * scored by the recall (share of attention mass kept) of an A-shape, a vertical-slash and a
 * dynamic block-sparse mask at the patterns' current defaults, as MInference's offline search
 * does; ties go to the simpler shape (listed first).
 */
import type { Hooks, LayerContext } from '../engine/hooks';
import type { ModelConfig } from '../engine/config';
import { defaultValues } from '../params/param-spec';
import { aShape } from '../techniques/patterns/a-shape';
import { dynamicBlockSparse } from '../techniques/patterns/dynamic-block-sparse';
import { verticalSlash } from '../techniques/patterns/vertical-slash';
import type { AttentionPattern } from '../techniques/types';

export const SHAPES: readonly AttentionPattern[] = [aShape, verticalSlash, dynamicBlockSparse];

export interface HeadPattern {
	best: string;
	/** Recall per shape id. */
	recall: Record<string, number>;
}

export function headPatternCollector(config: ModelConfig) {
	const group = config.heads / config.kvHeads;
	const sums = Array.from({ length: config.layers }, () => Array.from({ length: config.heads }, () => Object.fromEntries(SHAPES.map((s) => [s.id, 0]))));
	const rows = new Array(config.layers).fill(0);

	const observe = (ctx: LayerContext, probs: Float32Array) => {
		const T = ctx.queryPositions.length;
		const S = ctx.slots;
		for (let h = 0; h < config.heads; h++) {
			const keys = ctx.keyPositions[Math.floor(h / group)];
			const n = keys.length;
			const p = new Float32Array(T * n);
			for (let t = 0; t < T; t++) p.set(probs.subarray((h * T + t) * S, (h * T + t) * S + n), t * n);
			// Log-probabilities order keys exactly as the logits do, row by row.
			const scores = () => p.map((v) => (v > 0 ? Math.log(v) : -1e30));
			const scoreRows = (from: number, to: number) => scores().slice(from * n, to * n);
			const grid = { layer: ctx.layer, head: h, config, phase: 'prefill' as const, queryPositions: ctx.queryPositions, keyPositions: keys, scores, scoreRows, window: ctx.window };
			for (const shape of SHAPES) {
				const mask = shape.mask(defaultValues(shape.params), grid);
				let kept = 0;
				for (let i = 0; i < p.length; i++) if (mask[i]) kept += p[i];
				sums[ctx.layer][h][shape.id] += kept;
			}
		}
		rows[ctx.layer] += T;
	};

	return {
		hooks: { observe, wantsProbabilities: (ctx) => ctx.phase === 'prefill' } as Hooks,
		result(): HeadPattern[][] {
			return sums.map((heads, l) =>
				heads.map((totals) => {
					const recall = Object.fromEntries(SHAPES.map((s) => [s.id, totals[s.id] / Math.max(1, rows[l])]));
					const best = SHAPES.reduce((a, b) => (recall[b.id] > recall[a.id] + 1e-9 ? b : a)).id;
					return { best, recall };
				})
			);
		}
	};
}
