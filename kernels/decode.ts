/**
 * Attention for a call of a few query rows (a decode step), split over the keys (flash-decoding):
 * 64 rows a workgroup would leave a decode step one workgroup per head walking every key in turn,
 * so here each workgroup takes one chunk of keys for every row of one head, and a second pass
 * joins the chunks' softmax parts. Chunks the pattern masks whole are skipped.
 */
import { checkShapes, fromMasked, paramWords, PARAMS_WGSL, QK_WGSL, SCORE_WGSL, tablesWithSlopes, type AttentionCall, type AttentionOutput } from './call';
import { release, type Kernels } from './gpu';
import { RULE_WGSL } from './tables';

/** Calls of at most this many rows split the keys. */
export const SPLIT_BELOW_ROWS = 8;

const THREADS = 64;
/** Keys per chunk: each invocation scores this many / THREADS of them. */
const CHUNK = 256;

/** Per (row, head, chunk): max score, Σ exp, keys seen (in `parts`), and Σ p·v (in `sums`). */
const partsShader = (d: number) => /* wgsl */ `
${PARAMS_WGSL}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> tables: array<u32>;
@group(0) @binding(5) var<storage, read_write> parts: array<f32>;
@group(0) @binding(6) var<storage, read_write> sums: array<f32>;
@group(0) @binding(7) var<storage, read_write> computedTiles: array<atomic<u32>>;
${RULE_WGSL}
${SCORE_WGSL}
${QK_WGSL}
const D: u32 = ${d}u;
var<workgroup> weights: array<f32, ${CHUNK}>;
var<workgroup> reduce: array<f32, ${THREADS}>;
var<workgroup> chunkShows: u32;

@compute @workgroup_size(${THREADS})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
	let c = group.x;
	let h = group.y;
	let chunks = P.extra[0].x;
	let kvh = h / (P.H / P.Hkv);
	let count = keyCount(kvh);
	let c0 = c * ${CHUNK}u;
	let c1 = min(c0 + ${CHUNK}u, count);
	if (lid == 0u) {
		chunkShows = select(0u, 1u, c0 < count && tileMayShow(P.rulesAt, h, kvh, 0u, P.T, c0, c1));
		if (chunkShows == 1u) { atomicAdd(&computedTiles[0], 1u); }
	}
	let shows = workgroupUniformLoad(&chunkShows) == 1u;
	for (var t = 0u; t < P.T; t++) {
		let part = (t * P.H + h) * chunks + c;
		if (!shows) {
			if (lid == 0u) { parts[part * 3u] = MASKED; parts[part * 3u + 1u] = 0.0; parts[part * 3u + 2u] = 0.0; }
			for (var e = lid; e < D; e += ${THREADS}u) { sums[part * D + e] = 0.0; }
			continue;
		}
		let i = queryPosition(t);
		// Each invocation scores its keys of the chunk and keeps their maximum.
		var mine = MASKED;
		for (var s = c0 + lid; s < c0 + ${CHUNK}u; s += ${THREADS}u) {
			var score = MASKED;
			if (s < c1) {
				let j = keyPosition(kvh, s);
				if (visible(P.rulesAt, h, i, j, t, s)) {
					score = finishScore(qk(h, t, kvh, s), h, i - j);
				}
			}
			weights[s - c0] = score;
			mine = max(mine, score);
		}
		reduce[lid] = mine;
		workgroupBarrier();
		if (lid == 0u) {
			var m = MASKED;
			for (var u = 0u; u < ${THREADS}u; u++) { m = max(m, reduce[u]); }
			reduce[0] = m;
		}
		workgroupBarrier();
		let m = reduce[0];
		workgroupBarrier();
		var total = 0.0;
		var seen = 0.0;
		for (var s = lid; s < ${CHUNK}u; s += ${THREADS}u) {
			let score = weights[s];
			var p = 0.0;
			if (score > MASKED) { p = exp(score - m); seen += 1.0; }
			weights[s] = p;
			total += p;
		}
		reduce[lid] = total;
		workgroupBarrier();
		if (lid == 0u) {
			var l = 0.0;
			for (var u = 0u; u < ${THREADS}u; u++) { l += reduce[u]; }
			parts[part * 3u] = m;
			parts[part * 3u + 1u] = l;
		}
		workgroupBarrier();
		reduce[lid] = seen;
		workgroupBarrier();
		if (lid == 0u) {
			var n = 0.0;
			for (var u = 0u; u < ${THREADS}u; u++) { n += reduce[u]; }
			parts[part * 3u + 2u] = n;
		}
		for (var e = lid; e < D; e += ${THREADS}u) {
			var acc = 0.0;
			for (var s = c0; s < c1; s++) { acc += weights[s - c0] * v[(kvh * P.S + s) * D + e]; }
			sums[part * D + e] = acc;
		}
		workgroupBarrier();
	}
}
`;

/** Joins each (row, head)'s chunk parts: the output, the log-sum-exp and the keys seen. */
const joinShader = (d: number) => /* wgsl */ `
${PARAMS_WGSL}
@group(0) @binding(1) var<storage, read> parts: array<f32>;
@group(0) @binding(2) var<storage, read> sums: array<f32>;
@group(0) @binding(3) var<storage, read_write> outp: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> seen: array<u32>;
const D: u32 = ${d}u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
	let t = id.x;
	let h = id.y;
	if (t >= P.T) { return; }
	let chunks = P.extra[0].x;
	let first = (t * P.H + h) * chunks;
	var m = MASKED;
	for (var c = 0u; c < chunks; c++) { m = max(m, parts[(first + c) * 3u]); }
	var l = 0.0;
	var n = 0.0;
	for (var c = 0u; c < chunks; c++) {
		let part = (first + c) * 3u;
		if (parts[part + 1u] > 0.0) { l += parts[part + 1u] * exp(parts[part] - m); }
		n += parts[part + 2u];
	}
	for (var e = 0u; e < D; e++) {
		var acc = 0.0;
		for (var c = 0u; c < chunks; c++) {
			let part = (first + c) * 3u;
			if (parts[part + 1u] > 0.0) { acc += sums[(first + c) * D + e] * exp(parts[part] - m); }
		}
		outp[(t * P.H + h) * D + e] = select(0.0, acc / l, l > 0.0);
	}
	lse[h * P.T + t] = select(MASKED, m + log(l), l > 0.0);
	seen[h * P.T + t] = u32(n);
}
`;

export async function attendSplit(kernels: Kernels, call: AttentionCall): Promise<AttentionOutput> {
	checkShapes(call);
	const { heads: H, headDim: d } = call;
	const T = call.queryPositions.length;
	const chunks = Math.max(1, Math.ceil(call.S / CHUNK));
	const tables = tablesWithSlopes(call, [call.rules]);
	const params = paramWords(call, tables, tables.slopesAt, [chunks]);
	const uniform = kernels.uniform(params.words, params.floats);
	const parts = kernels.output(T * H * chunks * 3);
	const sums = kernels.output(T * H * chunks * d);
	const computed = kernels.output(1);
	const inputs = [kernels.input(call.q), kernels.input(call.k), kernels.input(call.v), kernels.input(tables.words)];
	kernels.dispatch(await kernels.pipeline(partsShader(d)), [uniform, ...inputs, parts, sums, computed], [chunks, H, 1]);
	const outputs = [kernels.output(T * H * d), kernels.output(H * T), kernels.output(H * T)];
	kernels.dispatch(await kernels.pipeline(joinShader(d)), [uniform, parts, sums, ...outputs], [Math.ceil(T / 64), H, 1]);
	const [out, lse, keysSeen, tiles] = await Promise.all([
		kernels.read(outputs[0], T * H * d, Float32Array),
		kernels.read(outputs[1], H * T, Float32Array),
		kernels.read(outputs[2], H * T, Uint32Array),
		kernels.read(computed, 1, Uint32Array)
	]);
	release(uniform, parts, sums, computed, ...inputs, ...outputs);
	const group = H / call.kvHeads;
	let total = 0;
	for (let h = 0; h < H; h++) total += Math.ceil(call.keyPositions[Math.floor(h / group)].length / CHUNK);
	return { out, logSumExp: fromMasked(lse), keysSeen, tiles: { computed: tiles[0], total } };
}
