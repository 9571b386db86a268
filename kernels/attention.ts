/**
 * Tiled attention with an online softmax (the flash-attention scheme), the pattern evaluated in
 * the kernel from positions (pattern-rule.ts): a workgroup holds 64 query rows of one head and
 * walks the key slots a tile at a time, skipping every tile the pattern masks whole, so its time
 * follows the pattern's density. Query heads share KV heads in groups (GQA). A call of a few rows
 * (a decode step) splits the keys across workgroups instead (decode.ts).
 */
import { checkShapes, fromMasked, paramWords, PARAMS_WGSL, SCORE_WGSL, tablesWithSlopes, type AttentionCall, type AttentionOutput } from './call';
import { release, type Kernels } from './gpu';
import { attendSplit, SPLIT_BELOW_ROWS } from './decode';
import { RULE_WGSL } from './tables';

/** Query rows per workgroup (one invocation each). */
export const ROWS_PER_GROUP = 64;

/** Keys per tile: as many as fit with their values and positions in the 16 KiB of workgroup memory WebGPU guarantees, at most 32. */
export const keysPerTile = (headDim: number) => Math.max(1, Math.min(32, Math.floor((16384 - 4) / (8 * headDim + 4))));

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

export async function attend(kernels: Kernels, call: AttentionCall): Promise<AttentionOutput> {
	if (call.queryPositions.length <= SPLIT_BELOW_ROWS) return attendSplit(kernels, call);
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
