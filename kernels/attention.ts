/**
 * Tiled attention with an online softmax (the flash-attention scheme), the pattern evaluated in
 * the kernel from positions (rule.ts): a workgroup holds 64 query rows of one head and walks the
 * key slots a tile at a time, skipping every tile the pattern masks whole, so its time follows
 * the pattern's density. Query heads share KV heads in groups (GQA). Prefill and decode are the
 * same call (decode is T = 1).
 */
import { release, type Kernels } from './gpu';
import type { PatternRule } from '../src/lib/engine/pattern-rule';
import { packTables, RULE_WGSL, type Positions } from './tables';

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

/** Query rows per workgroup (one invocation each). */
export const ROWS_PER_GROUP = 64;

/** Keys per tile: as many as fit with their values and positions in the 16 KiB of workgroup memory WebGPU guarantees, at most 32. */
export const keysPerTile = (headDim: number) => Math.max(1, Math.min(32, Math.floor((16384 - 4) / (8 * headDim + 4))));

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

/** The score of query row (h, t) and key slot s as the softmax sees it: q·k, soft-capped, ALiBi. */
export const SCORE_WGSL = /* wgsl */ `
fn finishScore(dot: f32, h: u32, distance: i32) -> f32 {
	var score = dot;
	if (P.softcap > 0.0) { score = P.softcap * tanh(score / P.softcap); }
	if (P.alibi != 0u) { score -= bitcast<f32>(tables[P.slopesAt + h]) * f32(distance); }
	return score;
}
`;

function attentionShader(d: number, keysPerTile: number): string {
	return /* wgsl */ `
${PARAMS_WGSL}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> tables: array<u32>;
@group(0) @binding(5) var<storage, read_write> outp: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;
@group(0) @binding(7) var<storage, read_write> computedTiles: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read_write> seen: array<u32>;
${RULE_WGSL}
${SCORE_WGSL}
const D: u32 = ${d}u;
const BC: u32 = ${keysPerTile}u;
const BR: u32 = ${ROWS_PER_GROUP}u;
var<workgroup> tileK: array<f32, ${d * keysPerTile}>;
var<workgroup> tileV: array<f32, ${d * keysPerTile}>;
var<workgroup> tilePositions: array<i32, ${keysPerTile}>;
var<workgroup> tileShows: u32;

@compute @workgroup_size(${ROWS_PER_GROUP})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
	let h = group.y;
	let kvh = h / (P.H / P.Hkv);
	let r0 = group.x * BR;
	let r1 = min(r0 + BR, P.T);
	let t = r0 + lid;
	let live = t < P.T;
	let count = keyCount(kvh);
	var query: array<f32, ${d}>;
	var acc: array<f32, ${d}>;
	var scores: array<f32, ${keysPerTile}>;
	var i = 0;
	if (live) {
		i = queryPosition(t);
		for (var c = 0u; c < D; c++) { query[c] = q[(h * P.T + t) * D + c]; }
	}
	var m = MASKED;
	var l = 0.0;
	var keys = 0u;
	for (var c0 = 0u; c0 < count; c0 += BC) {
		let c1 = min(c0 + BC, count);
		// The barrier keeps invocation 0 from overwriting the flag before every other one has read it.
		workgroupBarrier();
		if (lid == 0u) {
			tileShows = select(0u, 1u, tileMayShow(P.rulesAt, h, kvh, r0, r1, c0, c1));
			if (tileShows == 1u) { atomicAdd(&computedTiles[0], 1u); }
		}
		if (workgroupUniformLoad(&tileShows) == 0u) { continue; }
		for (var x = lid; x < BC * D; x += BR) {
			let s = c0 + x / D;
			if (s < c1) {
				tileK[x] = k[(kvh * P.S + s) * D + x % D];
				tileV[x] = v[(kvh * P.S + s) * D + x % D];
			}
		}
		if (lid < c1 - c0) { tilePositions[lid] = keyPosition(kvh, c0 + lid); }
		workgroupBarrier();
		if (live) {
			var tileMax = MASKED;
			for (var c = 0u; c < c1 - c0; c++) {
				scores[c] = MASKED;
				let j = tilePositions[c];
				if (visible(P.rulesAt, h, i, j, t, c0 + c)) {
					var dot = 0.0;
					for (var e = 0u; e < D; e++) { dot += query[e] * tileK[c * D + e]; }
					scores[c] = finishScore(dot, h, i - j);
					keys++;
					tileMax = max(tileMax, scores[c]);
				}
			}
			if (tileMax > MASKED) {
				let mNew = max(m, tileMax);
				let rescale = exp(m - mNew);
				l *= rescale;
				for (var e = 0u; e < D; e++) { acc[e] *= rescale; }
				for (var c = 0u; c < c1 - c0; c++) {
					if (scores[c] > MASKED) {
						let p = exp(scores[c] - mNew);
						l += p;
						for (var e = 0u; e < D; e++) { acc[e] += p * tileV[c * D + e]; }
					}
				}
				m = mNew;
			}
		}
	}
	if (live) {
		for (var e = 0u; e < D; e++) { outp[(t * P.H + h) * D + e] = select(0.0, acc[e] / l, l > 0.0); }
		lse[h * P.T + t] = select(MASKED, m + log(l), l > 0.0);
		seen[h * P.T + t] = keys;
	}
}
`;
}

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

export async function attend(kernels: Kernels, call: AttentionCall): Promise<AttentionOutput> {
	checkShapes(call);
	const { heads: H, headDim: d } = call;
	const T = call.queryPositions.length;
	const tables = tablesWithSlopes(call, [call.rules]);
	const params = paramWords(call, tables, tables.slopesAt);
	const bc = keysPerTile(d);
	const pipeline = await kernels.pipeline(attentionShader(d, bc));
	const buffers = [
		kernels.uniform(params.words, params.floats),
		kernels.input(call.q),
		kernels.input(call.k),
		kernels.input(call.v),
		kernels.input(tables.words),
		kernels.output(T * H * d),
		kernels.output(H * T),
		kernels.output(1),
		kernels.output(H * T)
	];
	kernels.dispatch(pipeline, buffers, [Math.ceil(T / ROWS_PER_GROUP), H, 1]);
	const [out, lse, computed, keysSeen] = await Promise.all([
		kernels.read(buffers[5], T * H * d, Float32Array),
		kernels.read(buffers[6], H * T, Float32Array),
		kernels.read(buffers[7], 1, Uint32Array),
		kernels.read(buffers[8], H * T, Uint32Array)
	]);
	release(...buffers);
	const group = H / call.kvHeads;
	let total = 0;
	for (let h = 0; h < H; h++) total += Math.ceil(T / ROWS_PER_GROUP) * Math.ceil(call.keyPositions[Math.floor(h / group)].length / bc);
	return { out, logSumExp: fromMasked(lse), keysSeen, tiles: { computed: computed[0], total } };
}
