/**
 * One attention call as every kernel takes it, and what the kernels share: the uniform params,
 * the score as the softmax sees it, the packed tables with ALiBi's slopes, the shape checks.
 */
import type { PatternRule } from '../src/lib/engine/pattern-rule';
import { packTables, type Positions } from './tables';

export interface AttentionCall extends Positions {
	heads: number;
	kvHeads: number;
	headDim: number;
	/** Queries [H, T, d], rotated and pre-scaled (as the engine feeds onnxruntime). */
	q: Float32Array;
	/** Keys and values [Hkv, S, d]. */
	k: Float32Array;
	v: Float32Array;
	/** One rule per query head. */
	rules: PatternRule[];
	/** The layer's own sliding window, null where it has none. */
	layerWindow: number | null;
	/** cap · tanh(score / cap) before the softmax (Gemma 2), null for none. */
	softcap: number | null;
	/** ALiBi: −slope[h] · (i − j) added to head h's scores. */
	slopes: Float32Array | null;
}

export interface AttentionOutput {
	/** [T, H·d], as the engine's attention graph returns it. */
	out: Float32Array;
	/** Each row's log Σ exp(score) over the keys it sees [H, T] (−Infinity for a row that sees none): what the statistics kernels normalise by. */
	logSumExp: Float32Array;
	/** How many keys each row saw [H, T]. */
	keysSeen: Uint32Array;
	/** Key tiles the kernel computed, and how many there were: the share it skipped. */
	tiles: { computed: number; total: number };
}

/** Stands for −∞ in the kernels (WGSL has no infinity literal); no real score comes near it. */
export const MASKED = -3.0e38;

export const PARAMS_WGSL = /* wgsl */ `
struct Params {
	H: u32, Hkv: u32, T: u32, S: u32,
	layerWindow: u32, softcap: f32, alibi: u32, slopesAt: u32,
	keyPositionsAt: u32, keyCountsAt: u32, rulesAt: u32, rulesBAt: u32,
	extra: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> P: Params;
const MASKED: f32 = ${MASKED};
`;

/** Params words in PARAMS_WGSL order; `extra` feeds kernel-specific fields. */
export function paramWords(call: Omit<AttentionCall, 'q' | 'k' | 'v' | 'rules'>, tables: { keyPositionsAt: number; keyCountsAt: number; rulesAt: number[] }, slopesAt: number, extra: number[] = []): { words: number[]; floats: Set<number> } {
	const words = [
		call.heads,
		call.kvHeads,
		call.queryPositions.length,
		call.S,
		call.layerWindow ?? 0,
		call.softcap ?? 0,
		call.slopes ? 1 : 0,
		slopesAt,
		tables.keyPositionsAt,
		tables.keyCountsAt,
		tables.rulesAt[0],
		tables.rulesAt[1] ?? 0xffffffff,
		...Array.from({ length: 8 }, (_, n) => extra[n] ?? 0)
	];
	return { words, floats: new Set([5]) };
}


/** q·k of query row (h, t) and key slot s of KV head kvh, for shaders that bind q and k and declare D. */
export const QK_WGSL = /* wgsl */ `
fn qk(h: u32, t: u32, kvh: u32, s: u32) -> f32 {
	var dot = 0.0;
	for (var e = 0u; e < D; e++) { dot += q[(h * P.T + t) * D + e] * k[(kvh * P.S + s) * D + e]; }
	return dot;
}
`;

/** The score of query row (h, t) and key slot s as the softmax sees it: q·k, soft-capped, ALiBi. */
export const SCORE_WGSL = /* wgsl */ `
fn finishScore(dot: f32, h: u32, distance: i32) -> f32 {
	var score = dot;
	if (P.softcap > 0.0) { score = P.softcap * tanh(score / P.softcap); }
	if (P.alibi != 0u) { score -= bitcast<f32>(tables[P.slopesAt + h]) * f32(distance); }
	return score;
}
`;

/** The call's tables plus, at their end, the ALiBi slopes as f32 bits. */
export function tablesWithSlopes(call: Positions & { slopes: Float32Array | null }, ruleSets: PatternRule[][]) {
	const tables = packTables(call, ruleSets);
	const slopes = call.slopes ? new Uint32Array(call.slopes.buffer, call.slopes.byteOffset, call.slopes.length) : new Uint32Array(0);
	const words = new Uint32Array(tables.words.length + slopes.length);
	words.set(tables.words);
	words.set(slopes, tables.words.length);
	return { ...tables, words, slopesAt: tables.words.length };
}


export function checkShapes(call: AttentionCall | Omit<AttentionCall, 'v'>): void {
	const { heads: H, kvHeads: Hkv, headDim: d, S } = call;
	const T = call.queryPositions.length;
	const problems = [
		H % Hkv !== 0 && `${H} query heads do not share ${Hkv} KV heads evenly`,
		call.q.length !== H * T * d && `q holds ${call.q.length} values, not H·T·d = ${H * T * d}`,
		call.k.length !== Hkv * S * d && `k holds ${call.k.length} values, not Hkv·S·d = ${Hkv * S * d}`,
		'v' in call && call.v.length !== Hkv * S * d && `v holds ${call.v.length} values, not Hkv·S·d`,
		call.keyPositions.length !== Hkv && `${call.keyPositions.length} key position lists for ${Hkv} KV heads`,
		call.rules.length !== H && `${call.rules.length} rules for ${H} query heads`
	].filter(Boolean);
	if (problems.length) throw new Error(`attention call: ${problems.join('; ')}.`);
}


/** The kernels' stand-in for −∞ back to −Infinity. */
export const fromMasked = (values: Float32Array) => values.map((value) => (value <= MASKED ? -Infinity : value));
