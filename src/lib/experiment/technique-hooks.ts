/**
 * From an experiment's technique choices to the engine's hooks, plus the statistics a run
 * reports about its attention pattern (density, and attention-mass recall when asked).
 */
import type { ModelConfig } from '../engine/config';
import { composeHooks } from '../engine/compose';
import { sameKeyPositions, type Hooks, type MaskContext } from '../engine/hooks';
import type { Experiment } from './schema';
import type { ParamValues } from '../params/param-spec';
import { causalSoftmax } from '../techniques/patterns/shapes';
import { visibleRange } from '../engine/kv-cache';
import { forEachRun } from '../engine/bias';
import { policyHooks } from '../techniques/kv-runtime';
import { pruneHooks } from '../techniques/prune-hooks';
import { attentionPatterns, kvPolicies, positionSchemes, tokenPruners } from '../techniques/registry';
import type { AttentionPattern, PatternGrid } from '../techniques/types';

export interface PatternStats {
	/** Causal (query, key) entries the run could have computed, over all layers and heads. */
	causal: number;
	/** Of those, the entries the pattern kept. */
	kept: number;
	/** Sum over query rows of the full-attention mass inside the kept set (when measured). */
	massKept: number;
	rows: number;
}

export interface PatternReport {
	/** Share of causal entries computed (1 = full attention). */
	density: number;
	/** Share of full softmax mass inside the kept set, averaged over query rows; null if not measured. */
	recall: number | null;
}

export function report(stats: PatternStats): PatternReport {
	return { density: stats.causal ? stats.kept / stats.causal : 1, recall: stats.rows ? stats.massKept / stats.rows : null };
}

/** Why the experiment's techniques cannot run on this model; empty when they can. */
export function refusals(experiment: Experiment, config: ModelConfig): string[] {
	const reasons: string[] = [];
	const pattern = attentionPatterns.find((p) => p.id === experiment.attn.id);
	const scheme = positionSchemes.find((p) => p.id === experiment.pos.id);
	const patternReason = pattern?.refuse?.(experiment.attn.params, config);
	if (patternReason) reasons.push(patternReason);
	const schemeReason = scheme?.refuse(experiment.pos.params, config);
	if (schemeReason) reasons.push(schemeReason);
	const pruner = tokenPruners.find((p) => p.id === experiment.prune.id);
	const prunerReason = pruner?.refuse?.(experiment.prune.params, config);
	if (prunerReason) reasons.push(prunerReason);
	const policy = kvPolicies.find((p) => p.id === experiment.kv.id);
	if (pruner?.revives?.(experiment.prune.params) && !policy?.keepsAll) {
		reasons.push(`${pruner.name} revives pruned tokens into the KV cache at decode steps, which a KV eviction policy would fight over: use the full KV policy with it (or turn revival off).`);
	}
	return reasons;
}

/** This head's [T, S_h] slice of the layer's [H, T, slots] scores. */
function headScores(all: Float32Array, head: number, T: number, slots: number, S: number): Float32Array {
	const out = new Float32Array(T * S);
	for (let t = 0; t < T; t++) out.set(all.subarray((head * T + t) * slots, (head * T + t) * slots + S), t * S);
	return out;
}

/** Each head's view of a call for a pattern (`perHead`: head r is a query head; else one view for all). */
function headGrids(ctx: MaskContext, perHead: boolean) {
	const { heads: H, kvHeads: Hkv } = ctx.config;
	const group = H / Hkv;
	const T = ctx.queryPositions.length;
	// Every head's rows come in one block: computed once for all heads.
	const rowBlocks = new Map<string, Float32Array>();
	const layerRows = (from: number, to: number) => {
		const key = `${from}:${to}`;
		if (!rowBlocks.has(key)) rowBlocks.set(key, ctx.scoreRows!(from, to));
		return rowBlocks.get(key)!;
	};
	return Array.from({ length: perHead ? H : 1 }, (_, r): PatternGrid => {
		const keyPositions = ctx.keyPositions[perHead ? Math.floor(r / group) : 0];
		const S = keyPositions.length;
		return {
			layer: ctx.layer,
			head: r,
			config: ctx.config,
			phase: ctx.phase,
			queryPositions: ctx.queryPositions,
			keyPositions,
			scores: () => headScores(ctx.scores(), r, T, ctx.slots, S),
			scoreRows: (from, to) => (ctx.scoreRows ? headScores(layerRows(from, to), r, to - from, ctx.slots, S) : headScores(ctx.scores(), r, T, ctx.slots, S).slice(from * S, to * S)),
			window: ctx.window
		};
	});
}

const applies = (pattern: AttentionPattern, ctx: MaskContext) => !pattern.phases || pattern.phases.includes(ctx.phase);

export function patternMask(pattern: AttentionPattern, params: ParamValues, ctx: MaskContext, stats: PatternStats, measureRecall: boolean) {
	const { heads: H } = ctx.config;
	const T = ctx.queryPositions.length;
	const perHead = pattern.perHead || !sameKeyPositions(ctx.keyPositions);
	const rows = perHead ? H : 1;
	// One row set over every slot is the mask itself; per head (or shorter heads) they are copied in.
	let mask: Uint8Array | null = null;
	const headMasks = headGrids(ctx, perHead).map((grid, r) => {
		const { keyPositions } = grid;
		const S = keyPositions.length;
		const headMask = applies(pattern, ctx) ? pattern.mask(params, grid) : new Uint8Array(T * S).fill(1);
		// Density counts the keys the layer itself lets a query see.
		const weight = perHead ? 1 : H;
		if (rows === 1 && S === ctx.slots) mask = headMask;
		mask ??= new Uint8Array(rows * T * ctx.slots);
		for (let t = 0; t < T; t++) {
			if (mask !== headMask) mask.set(headMask.subarray(t * S, (t + 1) * S), (r * T + t) * ctx.slots);
			const [from, to] = visibleRange(keyPositions, ctx.queryPositions[t], ctx.window);
			let kept = 0;
			forEachRun(headMask, t * S, from, to, (start, end) => (kept += end - start));
			stats.causal += (to - from) * weight;
			stats.kept += kept * weight;
		}
		return headMask;
	});
	// Recall weighs the kept keys by each query head's own full attention, whether or not heads share the mask.
	if (measureRecall) {
		headGrids(ctx, true).forEach((grid, h) => {
			const probs = causalSoftmax(grid.scores(), grid);
			const headMask = headMasks[perHead ? h : 0];
			const S = grid.keyPositions.length;
			for (let t = 0; t < T; t++) {
				const [from, to] = visibleRange(grid.keyPositions, ctx.queryPositions[t], ctx.window);
				forEachRun(headMask, t * S, from, to, (start, end) => {
					for (let s = start; s < end; s++) stats.massKept += probs[t * S + s];
				});
				stats.rows++;
			}
		});
	}
	return { mask: mask!, perHead };
}

/** The pattern as one rule per query head (for the GPU kernels), and the density count of the keys they saw. */
export function patternRules(pattern: AttentionPattern, params: ParamValues, ctx: MaskContext, stats: PatternStats, measureRecall: boolean) {
	const { heads: H, kvHeads: Hkv } = ctx.config;
	const grids = headGrids(ctx, pattern.perHead);
	const rules = grids.map((grid) => (applies(pattern, ctx) ? pattern.rule(params, grid) : { window: Infinity }));
	return {
		rules: Array.from({ length: H }, (_, h) => rules[pattern.perHead ? h : 0]),
		kept: (counts: Float32Array) => {
			for (let h = 0; h < H; h++) {
				const keyPositions = ctx.keyPositions[Math.floor(h / (H / Hkv))];
				ctx.queryPositions.forEach((position, t) => {
					const [from, to] = visibleRange(keyPositions, position, ctx.window);
					stats.causal += to - from;
					stats.kept += counts[h * ctx.queryPositions.length + t];
				});
			}
		},
		...(measureRecall && {
			recall: (shares: Float32Array) => {
				for (const share of shares) stats.massKept += share;
				stats.rows += shares.length;
			}
		})
	};
}

export function techniqueHooks(experiment: Experiment, stats: PatternStats, options: { measureRecall?: boolean; config: ModelConfig }): Hooks {
	const pattern = attentionPatterns.find((p) => p.id === experiment.attn.id);
	const scheme = positionSchemes.find((p) => p.id === experiment.pos.id);
	const policy = kvPolicies.find((p) => p.id === experiment.kv.id);
	const pruner = tokenPruners.find((p) => p.id === experiment.prune.id);
	if (!pattern || !scheme || !policy || !pruner) throw new Error('The experiment names a technique this lab does not have');
	const hooks: Hooks = {};
	// Full attention leaves the engine untouched (bit-identical to an unpatterned run) unless recall is measured.
	if (!pattern.keepsAll || options.measureRecall) {
		hooks.attentionMask = (ctx) => patternMask(pattern, experiment.attn.params, ctx, stats, !!options.measureRecall);
		hooks.attentionRules = (ctx) => patternRules(pattern, experiment.attn.params, ctx, stats, !!options.measureRecall);
		const { logitRows } = pattern;
		if (logitRows) {
			hooks.scoreRowsAhead = (ctx) => {
				if (pattern.phases && !pattern.phases.includes(ctx.phase)) return null;
				const T = ctx.queryPositions.length;
				return { from: T - logitRows(experiment.attn.params, T), to: T };
			};
		}
	}
	hooks.positions = (ctx) => scheme.plan(experiment.pos.params, ctx.config, ctx);
	return composeHooks(hooks, policyHooks(policy, experiment.kv.params, options.config, experiment.seed), pruneHooks(pruner, experiment.prune.params, options.config));
}
