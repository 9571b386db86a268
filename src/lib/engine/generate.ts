/** Prefill then decode: greedy by default, or seeded temperature / top-k sampling. */
import { createRng } from '../random';
import type { Engine, PrefillOptions, Sequence } from './engine';
import type { Hooks } from './hooks';

export interface Sampling {
	temperature: number;
	topK: number;
	seed: number;
}

export interface GenerateOptions extends PrefillOptions {
	maxNewTokens: number;
	hooks?: Hooks;
	/** Absent: greedy (argmax), ties to the lowest id. */
	sampling?: Sampling;
	/** Stop early once this returns true for the tokens generated so far. */
	stop?: (generated: number[]) => boolean;
	/** Sees the finished sequence (its cache) before it is dropped. */
	inspect?: (seq: Sequence) => void;
}

export interface Generation {
	tokens: number[];
	/** The prefill's logits for its last `lastLogits` rows [rows, vocab], and those rows' positions. */
	prefill: { logits: Float32Array; positions: Int32Array };
	timings: { prefillMs: number; decodeMsPerToken: number | null; decodeSteps: number };
	kv: { residentBytes: number; bytesReadPerStep: number | null; lengths: number[][] };
}

export function pickToken(logits: Float32Array, sampling: Sampling | undefined, draw: () => number): number {
	if (!sampling || sampling.temperature <= 0) {
		let best = 0;
		for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
		return best;
	}
	const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b);
	const top = order.slice(0, Math.max(1, Math.min(sampling.topK || logits.length, logits.length)));
	const max = logits[top[0]];
	const weights = top.map((i) => Math.exp((logits[i] - max) / sampling.temperature));
	let r = draw() * weights.reduce((a, b) => a + b, 0);
	for (let n = 0; n < top.length; n++) {
		r -= weights[n];
		if (r <= 0) return top[n];
	}
	return top[top.length - 1];
}

export async function generate(engine: Engine, ids: number[], options: GenerateOptions): Promise<Generation> {
	const seq = engine.sequence(options.hooks);
	const rng = createRng(options.sampling?.seed ?? 0);
	const started = performance.now();
	const prefill = { logits: await seq.prefill(ids, options), positions: seq.logitPositions };
	const prefillMs = performance.now() - started;
	let logits = prefill.logits.subarray(prefill.logits.length - engine.config.vocabSize);

	const tokens: number[] = [];
	let decodeMs = 0;
	let bytesRead = 0;
	for (;;) {
		tokens.push(pickToken(logits, options.sampling, rng.next));
		options.onProgress?.({ phase: 'decode', done: tokens.length, total: options.maxNewTokens });
		if (tokens.length >= options.maxNewTokens || options.stop?.(tokens)) break;
		const stepStart = performance.now();
		logits = await seq.step(tokens[tokens.length - 1], options);
		decodeMs += performance.now() - stepStart;
		bytesRead += seq.bytesReadLastStep;
	}
	options.inspect?.(seq);
	const steps = tokens.length - 1;
	return {
		tokens,
		prefill,
		timings: { prefillMs, decodeMsPerToken: steps > 0 ? decodeMs / steps : null, decodeSteps: steps },
		kv: { residentBytes: seq.cache.residentBytes(), bytesReadPerStep: steps > 0 ? bytesRead / steps : null, lengths: seq.cache.lengths() }
	};
}
