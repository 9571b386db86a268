/**
 * Query-aware selection on the GPU: Quest's page bounds and TokenSelect's head votes are scored
 * where the keys are, and a radix select picks each row's top k (ties to the earlier index, as
 * techniques/ranking.ts does). Only the chosen flags come back.
 */
import { paramWords, PARAMS_WGSL, QK_WGSL, SCORE_WGSL } from './call';
import { KernelError, release, type Kernels } from './gpu';
import { packTables, RULE_WGSL, type Positions } from './tables';

export interface SelectionCall extends Positions {
	heads: number;
	kvHeads: number;
	headDim: number;
	/** Queries [H, T, d], rotated and pre-scaled; keys [Hkv, S, d], rotated. */
	q: Float32Array;
	k: Float32Array;
}

/** Scores as u32 whose order is the floats' order; 0 marks a row entry that is not a candidate. */
const ORDERABLE_WGSL = /* wgsl */ `
fn orderable(x: f32) -> u32 {
	let bits = bitcast<u32>(x);
	return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}
`;

const THREADS = 256;

/** Flags [rows, n]: each row's `k` highest keys among its candidates (key ≠ 0), ties to the earlier index. */
const TOP_K_WGSL = /* wgsl */ `
struct SelectParams { rows: u32, n: u32, k: u32, pad: u32 }
@group(0) @binding(0) var<uniform> SP: SelectParams;
@group(0) @binding(1) var<storage, read> keys: array<u32>;
@group(0) @binding(2) var<storage, read_write> chosen: array<u32>;
var<workgroup> counter: atomic<u32>;
var<workgroup> total: u32;
var<workgroup> tiesBefore: array<u32, ${THREADS}>;

// How many candidates of row 'base' hold a key ≥ value (value ≥ 1), the same in every invocation.
fn countAtLeast(base: u32, value: u32, lid: u32) -> u32 {
	workgroupBarrier();
	if (lid == 0u) { atomicStore(&counter, 0u); }
	workgroupBarrier();
	var mine = 0u;
	for (var x = lid; x < SP.n; x += ${THREADS}u) { if (keys[base + x] >= value) { mine++; } }
	atomicAdd(&counter, mine);
	workgroupBarrier();
	if (lid == 0u) { total = atomicLoad(&counter); }
	return workgroupUniformLoad(&total);
}

@compute @workgroup_size(${THREADS})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
	let base = group.x * SP.n;
	let want = min(SP.k, countAtLeast(base, 1u, lid));
	// The want-th highest key, found a bit at a time from the top.
	var kth = 0u;
	if (want > 0u) {
		for (var bit = 31i; bit >= 0i; bit--) {
			let candidate = kth | (1u << u32(bit));
			if (countAtLeast(base, candidate, lid) >= want) { kth = candidate; }
		}
	}
	var above = 0u;
	if (want > 0u && kth != 0xffffffffu) { above = countAtLeast(base, kth + 1u, lid); }
	// Keys equal to the k-th are taken in index order: each invocation owns a contiguous run.
	let run = (SP.n + ${THREADS - 1}u) / ${THREADS}u;
	let runStart = min(SP.n, lid * run);
	let runEnd = min(SP.n, runStart + run);
	var ties = 0u;
	for (var x = runStart; x < runEnd; x++) { if (keys[base + x] == kth) { ties++; } }
	tiesBefore[lid] = ties;
	workgroupBarrier();
	var rank = 0u;
	for (var u = 0u; u < lid; u++) { rank += tiesBefore[u]; }
	for (var x = runStart; x < runEnd; x++) {
		let key = keys[base + x];
		var pick = want > 0u && key > kth;
		if (want > 0u && key == kth) { pick = rank < want - above; rank++; }
		chosen[base + x] = select(0u, 1u, pick);
	}
}
`;

/** Each row's top `k` of `keys` [rows, n] (orderable u32, 0 = not a candidate), on the GPU. */
async function topK(kernels: Kernels, keys: GPUBuffer, rows: number, n: number, k: number): Promise<Uint8Array> {
	const params = kernels.uniform([rows, n, k, 0]);
	const chosen = kernels.output(rows * n);
	kernels.dispatch(await kernels.pipeline(TOP_K_WGSL), [params, keys, chosen], [rows, 1, 1]);
	const flags = await kernels.read(chosen, rows * n, Uint32Array);
	release(params, chosen);
	return Uint8Array.from(flags);
}

const scoreHeader = (d: number) => /* wgsl */ `
${PARAMS_WGSL}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> tables: array<u32>;
${RULE_WGSL}
${SCORE_WGSL}
${QK_WGSL}
${ORDERABLE_WGSL}
const D: u32 = ${d}u;
`;

/** Quest's bound Σ_c max(q_c·max_c, q_c·min_c) per (head, query, page), as orderable keys [H·T, pages]. */
const questShader = (d: number) => /* wgsl */ `
${scoreHeader(d)}
@group(0) @binding(4) var<storage, read_write> keysOut: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
	let page = P.extra[0].x;
	let pages = P.extra[0].y;
	let g = id.x;
	let t = id.y;
	let h = id.z;
	if (g >= pages) { return; }
	let kvh = h / (P.H / P.Hkv);
	let n = keyCount(kvh);
	let out = (h * P.T + t) * pages + g;
	if (g * page >= n) { keysOut[out] = 0u; return; }
	var bound = 0.0;
	for (var c = 0u; c < D; c++) {
		var hi = -3.0e38;
		var lo = 3.0e38;
		for (var s = g * page; s < min(n, (g + 1u) * page); s++) {
			let value = k[(kvh * P.S + s) * D + c];
			hi = max(hi, value);
			lo = min(lo, value);
		}
		let qc = q[(h * P.T + t) * D + c];
		bound += max(qc * hi, qc * lo);
	}
	keysOut[out] = orderable(bound);
}
`;

/** Quest: for each query head and row, the pages (of `page` slots) it reads, [H, T, pages] as 1/0. */
export async function questPages(kernels: Kernels, call: SelectionCall, options: { page: number; pagesRead: number }): Promise<{ pages: number; chosen: Uint8Array }> {
	const { heads: H, headDim: d, S } = call;
	const T = call.queryPositions.length;
	const pages = Math.ceil(S / options.page);
	const tables = packTables(call, []);
	const params = paramWords({ ...call, layerWindow: null, softcap: null, slopes: null }, { ...tables, rulesAt: [0] }, 0, [options.page, pages]);
	const buffers = [kernels.uniform(params.words, params.floats), kernels.input(call.q), kernels.input(call.k), kernels.input(tables.words)];
	const keys = kernels.output(H * T * pages);
	kernels.dispatch(await kernels.pipeline(questShader(d)), [...buffers, keys], [Math.ceil(pages / 64), T, H]);
	const chosen = await topK(kernels, keys, H * T, pages, options.pagesRead);
	release(...buffers, keys);
	return { pages, chosen };
}

const CANDIDATE_WGSL = /* wgsl */ `
// TokenSelect's middle tokens: earlier keys neither among the first 'init' nor the last 'local'.
fn candidate(i: i32, j: i32) -> bool {
	return j <= i && u32(j) >= P.extra[0].x && u32(i - j) >= P.extra[0].y;
}
fn rawScore(h: u32, t: u32, kvh: u32, s: u32) -> f32 {
	return finishScore(qk(h, t, kvh, s), h, 0) * bitcast<f32>(P.extra[0].z);
}
`;

/** Per (head, row): the max and the Σ exp(raw − max) of its raw scores over the candidates, [H·T, 2]. */
const voteNormShader = (d: number) => /* wgsl */ `
${scoreHeader(d)}
@group(0) @binding(4) var<storage, read_write> norms: array<f32>;
${CANDIDATE_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
	let t = id.x;
	let h = id.y;
	if (t >= P.T) { return; }
	let kvh = h / (P.H / P.Hkv);
	let i = queryPosition(t);
	var m = MASKED;
	for (var s = 0u; s < keyCount(kvh); s++) { if (candidate(i, keyPosition(kvh, s))) { m = max(m, rawScore(h, t, kvh, s)); } }
	var sum = 0.0;
	for (var s = 0u; s < keyCount(kvh); s++) { if (candidate(i, keyPosition(kvh, s))) { sum += exp(rawScore(h, t, kvh, s) - m); } }
	norms[(h * P.T + t) * 2u] = m;
	norms[(h * P.T + t) * 2u + 1u] = sum;
}
`;

/** Per (row, slot): the heads' summed softmax votes, as orderable keys [T, S] (0 off the candidates). */
const voteShader = (d: number) => /* wgsl */ `
${scoreHeader(d)}
@group(0) @binding(4) var<storage, read> norms: array<f32>;
@group(0) @binding(5) var<storage, read_write> keysOut: array<u32>;
${CANDIDATE_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
	let s = id.x;
	let t = id.y;
	if (s >= P.S) { return; }
	let i = queryPosition(t);
	if (s >= keyCount(0u) || !candidate(i, keyPosition(0u, s))) { keysOut[t * P.S + s] = 0u; return; }
	var votes = 0.0;
	for (var h = 0u; h < P.H; h++) {
		let kvh = h / (P.H / P.Hkv);
		let row = (h * P.T + t) * 2u;
		votes += exp(rawScore(h, t, kvh, s) - norms[row]) / norms[row + 1u];
	}
	keysOut[t * P.S + s] = orderable(votes);
}
`;

/**
 * TokenSelect: for each row, the `k` middle tokens with the most votes, [T, S] as 1/0 (the first
 * `init` and last `local` tokens, always read, are not included). Every KV head must hold the
 * same key positions: the votes are summed per token over all heads.
 */
export async function tokenSelectChoice(
	kernels: Kernels,
	call: SelectionCall,
	options: { k: number; init: number; local: number; softcap: number | null }
): Promise<Uint8Array> {
	const { heads: H, headDim: d, S } = call;
	const T = call.queryPositions.length;
	const [first] = call.keyPositions;
	if (!call.keyPositions.every((keys) => keys.length === first.length && keys.every((p, s) => p === first[s]))) {
		throw new KernelError('TokenSelect on the GPU needs every KV head to hold the same tokens.');
	}
	const tables = packTables(call, []);
	// The engine's logits carry 1/√d; TokenSelect votes with raw q·k.
	const rawScale = new Uint32Array(Float32Array.of(Math.sqrt(d)).buffer)[0];
	const params = paramWords({ ...call, layerWindow: null, softcap: options.softcap, slopes: null }, { ...tables, rulesAt: [0] }, 0, [options.init, options.local, rawScale]);
	const buffers = [kernels.uniform(params.words, params.floats), kernels.input(call.q), kernels.input(call.k), kernels.input(tables.words)];
	const norms = kernels.output(H * T * 2);
	kernels.dispatch(await kernels.pipeline(voteNormShader(d)), [...buffers, norms], [Math.ceil(T / 64), H, 1]);
	const keys = kernels.output(T * S);
	kernels.dispatch(await kernels.pipeline(voteShader(d)), [...buffers, norms, keys], [Math.ceil(S / 64), T, 1]);
	const chosen = await topK(kernels, keys, T, S, options.k);
	release(...buffers, norms, keys);
	return chosen;
}

