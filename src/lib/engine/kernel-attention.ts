/**
 * When an attention call runs on the GPU kernels (kernels/) instead of onnxruntime's graph: the
 * hooks give the pattern as rules (or mask nothing), the plan has one branch and ALiBi (if any)
 * by original positions, and nobody wants probabilities. The kernels then evaluate the pattern
 * from positions, skip the tiles it masks whole, and compute the rows' statistics from Q and K.
 */
import type { AttentionCall } from '../../../kernels/call';
import type { ModelConfig } from './config';
import { EngineError } from './errors';
import { sameKeyPositions, type Hooks, type LayerContext, type MaskContext, type PositionPlan, type SelectionRequest } from './hooks';
import { ascending, visibleRange } from './kv-cache';
import { visibleByRule, type PatternRule } from './pattern-rule';
import type { AttentionWants } from './runtime';

/** The kernels' call for this attention call, or null where onnxruntime must run it. */
export function kernelCall(
	config: ModelConfig,
	ctx: MaskContext,
	vectors: { q: Float32Array; k: Float32Array; v: Float32Array; far?: unknown },
	plan: PositionPlan,
	hooks: Hooks,
	wants: AttentionWants,
	softcap: number | null
): { call: AttentionCall; masked: boolean; selection?: SelectionRequest; kept?: (counts: Float32Array) => void; recall?: (shares: Float32Array) => void } | null {
	// One head's probabilities come as the watcher's tiles, pooled on the GPU; all of them only from onnxruntime.
	if (vectors.far || wants.probs || (wants.head !== null && !hooks.watchedTiles)) return null;
	if (plan.slopes && (plan.query || plan.keys)) return null;
	if (hooks.attentionMask && !hooks.attentionRules && !hooks.attentionSelection) return null;
	if (!ascending(ctx.queryPositions) || !ctx.keyPositions.every(ascending)) return null;
	const selection = hooks.attentionSelection?.(ctx);
	// TokenSelect's votes add up per token over every head: on the GPU, every KV head must hold the same tokens.
	if (selection?.kind === 'token-select' && !sameKeyPositions(ctx.keyPositions)) return null;
	const given = hooks.attentionRules?.(ctx);
	// Hooks that mask only some calls (a pattern's phases) give no mask elsewhere: every earlier key.
	const rules: PatternRule[] = given?.rules ?? Array.from({ length: config.heads }, () => ({ window: Infinity }));
	const call: AttentionCall = {
		heads: config.heads,
		kvHeads: config.kvHeads,
		headDim: config.headDim,
		S: ctx.slots,
		queryPositions: ctx.queryPositions,
		keyPositions: ctx.keyPositions,
		q: vectors.q,
		k: vectors.k,
		v: vectors.v,
		rules,
		layerWindow: ctx.window,
		softcap,
		slopes: plan.slopes ?? null
	};
	return { call, masked: given !== undefined || selection !== undefined, selection, kept: given?.kept, recall: given?.recall };
}

/** Refuses a call in which some row saw no key, as the mask's path does (bias.ts). */
export function checkKeysSeen(ctx: LayerContext, keysSeen: Uint32Array, masked: boolean): void {
	const empty = keysSeen.indexOf(0);
	if (empty < 0) return;
	const position = ctx.queryPositions[empty % ctx.queryPositions.length];
	throw new EngineError(
		masked ? `Layer ${ctx.layer}: every key is masked for the query at position ${position}; a pattern must leave each query at least one key.` : `Layer ${ctx.layer}: no key is visible from position ${position}.`
	);
}

/**
 * Bytes of keys and values (f32) a decode call reads, as bias.ts counts them: with a pattern,
 * every slot some row of the KV head's query heads sees; without, the last row's.
 */
export function bytesRead(ctx: LayerContext, rules: PatternRule[] | null): number {
	const { heads: H, kvHeads: Hkv, headDim: d } = ctx.config;
	const T = ctx.queryPositions.length;
	let read = 0;
	for (let kvh = 0; kvh < Hkv; kvh++) {
		const keys = ctx.keyPositions[kvh];
		if (!rules) {
			const [from, to] = visibleRange(keys, ctx.queryPositions[T - 1], ctx.window);
			read += to - from;
			continue;
		}
		const seen = new Uint8Array(keys.length);
		rules.forEach(({ rowSlots, ...rest }, h) => {
			if (Math.floor(h / (H / Hkv)) !== kvh) return;
			ctx.queryPositions.forEach((i, t) => {
				// A row's own list is marked directly: looking each slot up in it would cost the list's length per slot.
				const listed = rowSlots?.(t) ?? [];
				for (let n = 0; n < listed.length; n++) {
					const s = listed[n];
					if (s < keys.length && keys[s] <= i && (ctx.window === null || i - keys[s] < ctx.window)) seen[s] = 1;
				}
				for (let s = 0; s < keys.length; s++) if (!seen[s] && visibleByRule(rest, i, keys[s], t, s, ctx.window)) seen[s] = 1;
			});
		});
		read += seen.reduce((n, flag) => n + flag, 0);
	}
	return read * d * 2 * 4;
}
