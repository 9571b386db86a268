/**
 * Hooks of several parties (a pattern, a KV policy, a pruner, probes) as one, applied in the
 * order given, as Observable Plot chains its transforms: each kind of hook says how its parties
 * combine, and only combinations no order can settle are refused.
 */
import { EngineError } from './errors';
import { checkKeptRows, type Hooks, type LayerContext } from './hooks';
import { pickRows } from './rows';

type Mask = { mask: Uint8Array; perHead: boolean };

/** Keeps an entry only where every mask keeps it (masks of [1 or heads, T, slots]). */
function intersectMasks(masks: Mask[], heads: number): Mask {
	if (masks.length === 1) return masks[0];
	const perHead = masks.some((m) => m.perHead);
	const rowSize = masks[0].mask.length / (masks[0].perHead ? heads : 1);
	const mask = new Uint8Array((perHead ? heads : 1) * rowSize).fill(1);
	for (const m of masks) {
		for (let i = 0; i < mask.length; i++) if (!m.mask[m.perHead ? i : i % rowSize]) mask[i] = 0;
	}
	return { mask, perHead };
}

/** `ctx` and `hidden` [rows, D] narrowed to `rows` of the call. */
function narrow(ctx: LayerContext, hidden: Float32Array, rows: number[]) {
	const kept = pickRows({ x: hidden, positions: ctx.queryPositions }, rows);
	return { ctx: { ...ctx, queryPositions: kept.positions, callPositions: kept.positions }, hidden: kept.x };
}

/**
 * - `observe`, `observeScores`, `observeRowStats`: every party runs, in order.
 * - `attentionMask`: a key stays visible only where every party's mask keeps it.
 * - `attentionRules`, `attentionSelection`: only where the one party that masks gives them.
 * - `scoreRowsAhead`: the rows that cover every party's.
 * - `evict`: each party in turn, on the cache the previous one left.
 * - `pruneTokens`: each party chooses among the rows the previous ones kept; the rows are
 *   mapped back to the call's.
 * - `positions`: any number of parties, but two plans for one attention call conflict.
 * - `revive`: one party at most (revived rows of two parties would collide).
 * - `observeHead` (with its `watchedTiles`): one party at most (a call returns one head's probabilities alone).
 */
export function composeHooks(...parts: Hooks[]): Hooks {
	// Parties are called as `p.hook()`, never detached, so hooks written as methods keep their `this`.
	const having = (key: keyof Hooks) => parts.filter((p) => p[key]);
	const composed: Hooks = {};

	const planners = having('positions');
	if (planners.length > 0) {
		composed.positions = (ctx) => {
			const plans = planners.map((p) => p.positions!(ctx)).filter((plan) => plan !== undefined);
			if (plans.length > 1) {
				throw new EngineError(`Layer ${ctx.layer}: ${plans.length} techniques each give this attention call its positions; only one position scheme can apply at a time.`);
			}
			return plans[0];
		};
	}

	const scoreObservers = having('observeScores');
	if (scoreObservers.length > 0) composed.observeScores = (ctx) => scoreObservers.forEach((p) => p.observeScores!(ctx));

	const aheadOf = having('scoreRowsAhead');
	if (aheadOf.length > 0) {
		// One block of rows that covers every party's.
		composed.scoreRowsAhead = (ctx) =>
			aheadOf
				.map((p) => p.scoreRowsAhead!(ctx))
				.reduce<{ from: number; to: number } | null>((all, rows) => (!rows ? all : !all ? rows : { from: Math.min(all.from, rows.from), to: Math.max(all.to, rows.to) }), null);
	}

	const maskers = having('attentionMask');
	if (maskers.length > 0) {
		composed.attentionMask = (ctx) => {
			const masks = maskers.map((p) => p.attentionMask!(ctx)).filter((m) => m !== undefined);
			return masks.length ? intersectMasks(masks, ctx.config.heads) : undefined;
		};
		// Rules and selections stand for the mask only where one party masks (rules only join, pattern-rule.ts).
		const [only] = maskers;
		if (maskers.length === 1 && only.attentionRules) composed.attentionRules = (ctx) => only.attentionRules!(ctx);
		if (maskers.length === 1 && only.attentionSelection) composed.attentionSelection = (ctx) => only.attentionSelection!(ctx);
	}

	const observers = having('observe');
	if (observers.length > 0) {
		const wants = (p: Hooks, ctx: LayerContext) => p.wantsProbabilities?.(ctx) ?? true;
		composed.wantsProbabilities = (ctx) => observers.some((p) => wants(p, ctx));
		composed.observe = (ctx, probs) => {
			for (const p of observers) if (wants(p, ctx)) p.observe!(ctx, probs);
		};
	}

	const watchers = having('observeHead');
	if (watchers.length > 1) throw new EngineError('Two probes each watch one attention head (observeHead); only one may.');
	if (watchers.length === 1) {
		const [watcher] = watchers;
		composed.watchedHead = (ctx) => watcher.watchedHead?.(ctx) ?? null;
		composed.observeHead = (ctx, probs) => watcher.observeHead!(ctx, probs);
		if (watcher.watchedTiles) {
			composed.watchedTiles = (ctx) => watcher.watchedTiles!(ctx);
			composed.observeTiles = (ctx, cells) => watcher.observeTiles!(ctx, cells);
		}
	}

	const statsObservers = having('observeRowStats');
	if (statsObservers.length > 0) composed.observeRowStats = (ctx, stats) => statsObservers.forEach((p) => p.observeRowStats!(ctx, stats));

	const evictors = having('evict');
	if (evictors.length > 0) composed.evict = (ctx) => evictors.forEach((p) => p.evict!(ctx));

	const pruners = having('pruneTokens');
	if (pruners.length > 0) {
		composed.pruneTokens = (ctx, hidden) => {
			let rows: number[] | undefined;
			let view = { ctx, hidden };
			for (const p of pruners) {
				const kept = p.pruneTokens!(view.ctx, view.hidden);
				if (!kept) continue;
				checkKeptRows(kept, view.ctx.queryPositions.length);
				const earlier = rows;
				rows = earlier ? kept.map((r) => earlier[r]) : kept;
				view = narrow(ctx, hidden, rows);
			}
			return rows;
		};
	}

	const revivers = having('revive');
	if (revivers.length > 1) throw new EngineError('Two techniques both bring pruned tokens back (the revive hook); only one may, or the rows they revive would collide.');
	if (revivers.length === 1) composed.revive = (ctx) => revivers[0].revive!(ctx);
	return composed;
}
