/**
 * Measures that rise before key–value accuracy does (Zoology; Olsson et al.'s induction heads):
 * how much attention the answer position pays to the key it must find (and to that key's value,
 * which a head may read directly once the value carries its key), and how much each position pays
 * to the token just before it. Each is the best head's, since one head is enough to carry it.
 */
import type { Lookup } from './corpus';

export interface HeadScore {
	value: number;
	layer: number;
	head: number;
}

export interface RetrievalProgress {
	/** Mean attention mass from each lookup's answer position onto its key's tokens. */
	keyMass: HeadScore;
	/** The same onto its value's tokens. */
	valueMass: HeadScore;
	/** Mean attention from position t onto t − 1, over t ≥ 1. */
	previousToken: HeadScore;
}

/**
 * `layers[l]`: layer l's probabilities, [batch, heads, T, T] flattened; `lookups[b]`: sequence b's.
 * Without lookups, keyMass and valueMass are 0 at layer −1.
 */
export function retrievalProgress(layers: Float32Array[], heads: number, T: number, lookups: Lookup[][]): RetrievalProgress {
	const none = { value: 0, layer: -1, head: -1 };
	const best = { keyMass: none, valueMass: none, previousToken: none };
	const lookupCount = lookups.reduce((n, l) => n + l.length, 0);
	layers.forEach((probs, layer) => {
		for (let head = 0; head < heads; head++) {
			let keyMass = 0;
			let valueMass = 0;
			let previous = 0;
			lookups.forEach((sequence, b) => {
				const base = (b * heads + head) * T * T;
				for (const { from, key, value } of sequence) {
					for (const j of key) keyMass += probs[base + from * T + j];
					for (const j of value) valueMass += probs[base + from * T + j];
				}
				for (let t = 1; t < T; t++) previous += probs[base + t * T + t - 1];
			});
			const previousToken = previous / (lookups.length * (T - 1));
			if (lookupCount && keyMass / lookupCount > best.keyMass.value) best.keyMass = { value: keyMass / lookupCount, layer, head };
			if (lookupCount && valueMass / lookupCount > best.valueMass.value) best.valueMass = { value: valueMass / lookupCount, layer, head };
			if (previousToken > best.previousToken.value) best.previousToken = { value: previousToken, layer, head };
		}
	});
	return best;
}
