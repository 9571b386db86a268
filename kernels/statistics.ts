/**
 * Statistics of attention computed on the GPU from Q and K and each row's log-sum-exp (from
 * attention.ts), so that only small results come back: per-row sink mass, mean distance,
 * entropy, top key and the recall of a second pattern; and max- or mean-pooled maps of a window
 * of the [T, S] probabilities (≤ 512 × 512 per head), never the full tensor.
 */
import { MASKED, paramWords, PARAMS_WGSL, QK_WGSL, SCORE_WGSL, tablesWithSlopes, checkShapes, type AttentionCall } from './call';
import { KernelError, release, type Kernels } from './gpu';
import type { PositionTile } from '../src/lib/engine/hooks';
import type { PatternRule } from '../src/lib/engine/pattern-rule';
import { RULE_WGSL } from './tables';

export type StatisticsCall = Omit<AttentionCall, 'v'> & {
	/** Each row's log-sum-exp under `rules` [H, T] (attention.ts). */
	logSumExp: Float32Array;
};

export interface RowStatistics {
	/** Share of each row's attention on keys at positions below `sinkBelow` [H, T]. */
	sinkMass: Float32Array;
	/** Σ p · (i − j) [H, T]. */
	meanDistance: Float32Array;
	/** −Σ p ln p, nats [H, T]. */
	entropy: Float32Array;
	/** The most attended slot (the first on a tie; −1 for a row that sees no key) [H, T]. */
	topSlot: Int32Array;
	/** Share of the row's attention that `recallOf` keeps [H, T] (0 when no pattern is given). */
	recall: Float32Array;
}

/** Per-row statistics in [H, T, STATS], in RowStatistics' order. */
const STATS = 5;

const HEADER_WGSL = (d: number) => /* wgsl */ `
${PARAMS_WGSL}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> tables: array<u32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read_write> result: array<f32>;
${RULE_WGSL}
${SCORE_WGSL}
${QK_WGSL}
const D: u32 = ${d}u;
// The probability of row (h, t) at slot s, 0 where the rule hides the key.
fn probability(h: u32, t: u32, s: u32) -> f32 {
	let kvh = h / (P.H / P.Hkv);
	let rowLse = lse[h * P.T + t];
	if (s >= keyCount(kvh) || rowLse <= MASKED) { return 0.0; }
	let i = queryPosition(t);
	let j = keyPosition(kvh, s);
	if (!visible(P.rulesAt, h, i, j, t, s)) { return 0.0; }
	return exp(finishScore(qk(h, t, kvh, s), h, i - j) - rowLse);
}
`;

const rowShader = (d: number) => /* wgsl */ `
${HEADER_WGSL(d)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
	let t = id.x;
	let h = id.y;
	if (t >= P.T) { return; }
	let kvh = h / (P.H / P.Hkv);
	let i = queryPosition(t);
	let sinkBelow = P.extra[0].x;
	var sink = 0.0;
	var distance = 0.0;
	var entropy = 0.0;
	var recall = 0.0;
	var best = 0.0;
	var top = -1.0;
	for (var s = 0u; s < keyCount(kvh); s++) {
		let p = probability(h, t, s);
		if (p <= 0.0) { continue; }
		let j = keyPosition(kvh, s);
		if (u32(j) < sinkBelow) { sink += p; }
		distance += p * f32(i - j);
		entropy -= p * log(p);
		if (p > best) { best = p; top = f32(s); }
		if (P.rulesBAt != ALL && visible(P.rulesBAt, h, i, j, t, s)) { recall += p; }
	}
	let at = (h * P.T + t) * ${STATS}u;
	result[at] = sink;
	result[at + 1u] = distance;
	result[at + 2u] = entropy;
	result[at + 3u] = top;
	result[at + 4u] = recall;
}
`;

const poolShader = (d: number) => /* wgsl */ `
${HEADER_WGSL(d)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
	let r0 = P.extra[0].x; let r1 = P.extra[0].y; let c0 = P.extra[0].z; let c1 = P.extra[0].w;
	let rows = P.extra[1].x; let cols = P.extra[1].y; let firstHead = P.extra[1].z; let mean = P.extra[1].w == 1u;
	let b = id.x;
	let a = id.y;
	if (b >= cols) { return; }
	let h = firstHead + id.z;
	let rowFrom = r0 + a * (r1 - r0) / rows;
	let rowTo = r0 + (a + 1u) * (r1 - r0) / rows;
	let colFrom = c0 + b * (c1 - c0) / cols;
	let colTo = c0 + (b + 1u) * (c1 - c0) / cols;
	var value = 0.0;
	for (var t = rowFrom; t < rowTo; t++) {
		for (var s = colFrom; s < colTo; s++) {
			let p = probability(h, t, s);
			if (mean) { value += p; } else { value = max(value, p); }
		}
	}
	let cells = f32((rowTo - rowFrom) * (colTo - colFrom));
	result[(id.z * rows + a) * cols + b] = select(value, value / max(cells, 1.0), mean);
}
`;

/**
 * Cells of a tile over token positions (as the heatmap keeps them): queries [q0, q1) down, keys
 * [k0, k1) across, `block` positions a side per cell, for one head and the call's rows from
 * `rowFrom` on. A cell holds the max probability of its causal entries (0 where the pattern masks
 * them all) and −1 where no causal entry of this call falls in it.
 */
const tileShader = (d: number) => /* wgsl */ `
${HEADER_WGSL(d)}
// First index in [lo, hi) whose position (query rows, or key slots of kvh) is ≥ value.
fn firstRowAtLeast(lo: u32, hi: u32, value: i32) -> u32 {
	var a = lo;
	var b = hi;
	loop {
		if (a >= b) { break; }
		let mid = (a + b) / 2u;
		if (queryPosition(mid) < value) { a = mid + 1u; } else { b = mid; }
	}
	return a;
}
fn firstSlotAtLeast(kvh: u32, hi: u32, value: i32) -> u32 {
	var a = 0u;
	var b = hi;
	loop {
		if (a >= b) { break; }
		let mid = (a + b) / 2u;
		if (keyPosition(kvh, mid) < value) { a = mid + 1u; } else { b = mid; }
	}
	return a;
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
	let q0 = i32(P.extra[0].x); let q1 = i32(P.extra[0].y); let k0 = i32(P.extra[0].z); let k1 = i32(P.extra[0].w);
	let block = i32(P.extra[1].x); let cols = P.extra[1].y; let h = P.extra[1].z; let rowFrom = P.extra[1].w;
	let b = id.x;
	let a = id.y;
	if (b >= cols) { return; }
	let kvh = h / (P.H / P.Hkv);
	let count = keyCount(kvh);
	let qLo = q0 + i32(a) * block;
	let kLo = k0 + i32(b) * block;
	let tFrom = firstRowAtLeast(rowFrom, P.T, qLo);
	let tTo = firstRowAtLeast(tFrom, P.T, min(q1, qLo + block));
	let sFrom = firstSlotAtLeast(kvh, count, kLo);
	let sTo = firstSlotAtLeast(kvh, count, min(k1, kLo + block));
	var value = -1.0;
	for (var t = tFrom; t < tTo; t++) {
		let i = queryPosition(t);
		for (var s = sFrom; s < sTo; s++) {
			if (keyPosition(kvh, s) > i) { break; }
			value = max(value, probability(h, t, s));
		}
	}
	result[a * cols + b] = value;
}
`;

/** Each tile's cells for head `head` over the call's rows from `rowFrom` on, [rows, cols] each (see tileShader). */
export async function tileMaps(kernels: Kernels, call: StatisticsCall, head: number, rowFrom: number, tiles: PositionTile[]): Promise<Float32Array[]> {
	const pipeline = await kernels.pipeline(tileShader(call.headDim));
	const { params, buffers } = prepare(kernels, call, [call.rules]);
	const maps: Float32Array[] = [];
	for (const tile of tiles) {
		if (tile.rows === 0 || tile.cols === 0) {
			maps.push(new Float32Array(0));
			continue;
		}
		const uniform = params([tile.q0, tile.q1, tile.k0, tile.k1, tile.block, tile.cols, head, rowFrom]);
		const result = kernels.output(tile.rows * tile.cols);
		kernels.dispatch(pipeline, [uniform, ...buffers, result], [Math.ceil(tile.cols / 64), tile.rows, 1]);
		maps.push(await kernels.read(result, tile.rows * tile.cols, Float32Array));
		release(uniform, result);
	}
	release(...buffers);
	return maps;
}

/** The call's buffers (params last-minute: `params(extra)` makes the uniform for one dispatch). */
function prepare(kernels: Kernels, call: StatisticsCall, ruleSets: PatternRule[][]) {
	checkShapes(call);
	const tables = tablesWithSlopes(call, ruleSets);
	const lse = call.logSumExp.map((value) => (value === -Infinity ? MASKED : value));
	const params = (extra: number[]) => {
		const { words, floats } = paramWords(call, tables, tables.slopesAt, extra);
		return kernels.uniform(words, floats);
	};
	return { params, buffers: [kernels.input(call.q), kernels.input(call.k), kernels.input(tables.words), kernels.input(lse)] };
}

/** Each row's statistics under `call.rules`, and the recall of `recallOf` (one rule per head) where given. */
export async function rowStatistics(kernels: Kernels, call: StatisticsCall, options: { sinkBelow: number; recallOf?: PatternRule[] }): Promise<RowStatistics> {
	const { heads: H } = call;
	const T = call.queryPositions.length;
	const { params, buffers } = prepare(kernels, call, options.recallOf ? [call.rules, options.recallOf] : [call.rules]);
	const uniform = params([options.sinkBelow]);
	const result = kernels.output(H * T * STATS);
	kernels.dispatch(await kernels.pipeline(rowShader(call.headDim)), [uniform, ...buffers, result], [Math.ceil(T / 64), H, 1]);
	const values = await kernels.read(result, H * T * STATS, Float32Array);
	release(uniform, ...buffers, result);
	const column = (c: number) => Float32Array.from({ length: H * T }, (_, r) => values[r * STATS + c]);
	return { sinkMass: column(0), meanDistance: column(1), entropy: column(2), topSlot: Int32Array.from(column(3)), recall: column(4) };
}

export interface PoolWindow {
	/** Query rows [rowFrom, rowTo) and key slots [slotFrom, slotTo). */
	rowFrom: number;
	rowTo: number;
	slotFrom: number;
	slotTo: number;
	/** Output cells per side (each at most 512); a cell covers an even share of the window. */
	rows: number;
	cols: number;
	/** Query heads [headFrom, headTo). */
	headFrom: number;
	headTo: number;
	mode: 'max' | 'mean';
}

export const MAX_POOLED = 512;

/** The window's probabilities pooled into rows × cols cells per head, [heads, rows, cols]. */
export async function pooledMap(kernels: Kernels, call: StatisticsCall, window: PoolWindow): Promise<Float32Array> {
	const { rowFrom, rowTo, slotFrom, slotTo, rows, cols, headFrom, headTo } = window;
	const T = call.queryPositions.length;
	if (!(0 <= rowFrom && rowFrom < rowTo && rowTo <= T && 0 <= slotFrom && slotFrom < slotTo && slotTo <= call.S && 0 <= headFrom && headFrom < headTo && headTo <= call.heads)) {
		throw new KernelError('the pooled window lies outside the attention call.');
	}
	if (rows < 1 || cols < 1 || rows > Math.min(MAX_POOLED, rowTo - rowFrom) || cols > Math.min(MAX_POOLED, slotTo - slotFrom)) {
		throw new KernelError(`a pooled map has 1 to ${MAX_POOLED} cells per side, and no more than the window's rows and slots.`);
	}
	const heads = headTo - headFrom;
	const { params, buffers } = prepare(kernels, call, [call.rules]);
	const uniform = params([rowFrom, rowTo, slotFrom, slotTo, rows, cols, headFrom, window.mode === 'mean' ? 1 : 0]);
	const result = kernels.output(heads * rows * cols);
	kernels.dispatch(await kernels.pipeline(poolShader(call.headDim)), [uniform, ...buffers, result], [Math.ceil(cols / 64), rows, heads]);
	const values = await kernels.read(result, heads * rows * cols, Float32Array);
	release(uniform, ...buffers, result);
	return values;
}
