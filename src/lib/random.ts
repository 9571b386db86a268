/**
 * Seeded pseudo-random numbers (mulberry32). Everything in the lab that needs chance draws from
 * this, never from Math.random, so the same seed gives the same bytes on every machine.
 */
export interface Rng {
	/** Uniform in [0, 1). */
	next(): number;
	/** Uniform integer in [min, max], both included. */
	int(min: number, max: number): number;
	pick<T>(items: readonly T[]): T;
	/** A new array with the items in random order (Fisher–Yates). */
	shuffle<T>(items: readonly T[]): T[];
}

export function createRng(seed: number): Rng {
	let state = seed >>> 0;
	const next = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
	return {
		next,
		int,
		pick: (items) => {
			if (items.length === 0) throw new Error('Cannot pick from an empty list');
			return items[int(0, items.length - 1)];
		},
		shuffle: (items) => {
			const out = [...items];
			for (let i = out.length - 1; i > 0; i--) {
				const j = int(0, i);
				[out[i], out[j]] = [out[j], out[i]];
			}
			return out;
		}
	};
}

/** A seed for a sub-stream, so separate draws (filler, needles, keys) never share a sequence. */
export function deriveSeed(seed: number, stream: string): number {
	let h = (seed ^ 0x9e3779b9) >>> 0;
	for (let i = 0; i < stream.length; i++) {
		h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
	}
	return Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
}

/** `count` different values from `draw` (which must be able to produce that many). */
export function distinct<T>(count: number, draw: () => T): T[] {
	const seen = new Set<T>();
	for (let guard = 0; seen.size < count; guard++) {
		if (guard > count * 1000) throw new Error('Could not draw enough distinct values');
		seen.add(draw());
	}
	return [...seen];
}
