/**
 * Runs an attention-ranked token pruner inside the engine's prefill: the stage layer's
 * attention from the last token ranks the rows, and only the top share continue. Also counts
 * the tokens each layer processes, from which the FLOPs saved follow.
 */
import { holdsLastRow, type Hooks, type LayerContext } from '../engine/hooks';
import type { ModelConfig } from '../engine/config';
import type { ParamValues } from '../params/param-spec';
import type { PruneStage, TokenPruner } from './types';
import { revivalHooks } from './pruning/lazyllm-revival';
import { prunable } from './pruning/params';
import { lastQueryAttention } from './pruning/rank';

export interface PruningReport {
	/** Prompt tokens each layer processed (all prefill calls and passes together). */
	tokensPerLayer: number[];
	/** Per layer, the share of its token-proportional FLOPs saved against the full prompt. */
	flopsSaved: number[];
}

export function pruningReport(tokensPerLayer: number[], promptTokens: number): PruningReport {
	return { tokensPerLayer, flopsSaved: tokensPerLayer.map((t) => 1 - t / promptTokens) };
}

export function tokenCounter(layers: number) {
	const tokensPerLayer = new Array(layers).fill(0);
	const hooks: Hooks = {
		observeScores: (ctx) => {
			// In decode, rows besides the new token are revived prompt tokens (LazyLLM): prompt work too.
			tokensPerLayer[ctx.layer] += ctx.queryPositions.length - (ctx.phase === 'decode' ? 1 : 0);
		}
	};
	return { hooks, tokensPerLayer };
}

export function pruneHooks(pruner: TokenPruner, params: ParamValues, config: ModelConfig): Hooks {
	const stages = pruner.stages(params, config);
	if (stages.length === 0 || pruner.ranking !== 'attention') return {};
	const prefill = prefillPruneHooks(stages, params);
	return pruner.revives?.(params) ? revivalHooks(stages, params, config, prefill) : prefill;
}

function prefillPruneHooks(stages: PruneStage[], params: ParamValues): Hooks & { prunableCount(): number | null } {
	const stageAt = new Map(stages.map((s) => [s.afterLayer, s.keepShare]));
	/** The last prompt row's attention by key position, from the chunk that holds that row. */
	let scores: Map<number, number> | null = null;
	let original: number | null = null;
	const prunableRow = (ctx: LayerContext, row: number) => prunable(params, ctx.queryPositions[row], ctx.queryPositions[ctx.queryPositions.length - 1]);

	return {
		prunableCount: () => original,
		wantsProbabilities: (ctx) => ctx.phase === 'prefill' && stageAt.has(ctx.layer),
		observe: (ctx, probs) => {
			// Each row is scored by the attention the last query gives to its own key.
			if (holdsLastRow(ctx)) scores = lastQueryAttention(ctx, probs);
		},
		pruneTokens: (ctx) => {
			const share = stageAt.get(ctx.layer);
			if (share === undefined || !scores) return undefined;
			const rows = Array.from(ctx.queryPositions, (_, r) => r);
			const candidates = rows.filter((r) => prunableRow(ctx, r));
			original ??= candidates.length;
			const keep = Math.min(candidates.length, Math.round(original * share));
			const score = (r: number) => scores!.get(ctx.queryPositions[r]) ?? 0;
			const ranked = [...candidates].sort((a, b) => score(b) - score(a) || a - b).slice(0, keep);
			const kept = new Set([...ranked, ...rows.filter((r) => !prunableRow(ctx, r))]);
			return rows.filter((r) => kept.has(r));
		}
	};
}
