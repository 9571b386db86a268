/**
 * Head ablation, the causal test of Wu et al.: mask chosen heads and see whether the needle is
 * still found. A masked head here attends only to the first token (an attention "knockout":
 * its output becomes the sink's value, carrying no information from the context).
 */
import type { Hooks } from '../engine/hooks';
import { createRng } from '../random';

export type HeadRef = [layer: number, head: number];

export function ablationHooks(heads: HeadRef[], headCount: number): Hooks {
	if (heads.length === 0) return {};
	const byLayer = new Map<number, Set<number>>();
	for (const [layer, head] of heads) byLayer.set(layer, (byLayer.get(layer) ?? new Set()).add(head));
	return {
		attentionMask: (ctx) => {
			const masked = byLayer.get(ctx.layer);
			if (!masked) return undefined;
			const T = ctx.queryPositions.length;
			const S = ctx.slots;
			const group = headCount / ctx.keyPositions.length;
			const mask = new Uint8Array(headCount * T * S).fill(1);
			for (const h of masked) {
				const keys = ctx.keyPositions[Math.floor(h / group)];
				for (let t = 0; t < T; t++) for (let s = 0; s < S; s++) mask[(h * T + t) * S + s] = s < keys.length && keys[s] === keys[0] ? 1 : 0;
			}
			return { mask, perHead: true };
		}
	};
}

/** `count` heads drawn at random (seeded) from those not in `exclude`: the paper's control. */
export function randomHeads(layers: number, heads: number, count: number, exclude: HeadRef[], seed: number): HeadRef[] {
	const excluded = new Set(exclude.map(([l, h]) => `${l}.${h}`));
	const pool: HeadRef[] = [];
	for (let l = 0; l < layers; l++) for (let h = 0; h < heads; h++) if (!excluded.has(`${l}.${h}`)) pool.push([l, h]);
	return createRng(seed).shuffle(pool).slice(0, count);
}
