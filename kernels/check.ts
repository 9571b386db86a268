/**
 * Checks every kernel on this device against the TypeScript reference (reference.ts, and the
 * techniques' own masks and selections), on random calls over every registry pattern. The
 * /kernels page runs it and shows each result; the end-to-end test runs it on Chromium's
 * software adapter.
 */
import { attentionScores } from '../src/lib/engine/bias';
import type { MaskContext } from '../src/lib/engine/hooks';
import { defaultValues, type ParamValues } from '../src/lib/params/param-spec';
import { createRng } from '../src/lib/random';
import { quest } from '../src/lib/techniques/kv/quest';
import { tokenSelect } from '../src/lib/techniques/kv/token-select';
import { attend } from './attention';
import { kernelConfig, registryCases, type KernelCase } from './cases';
import type { Kernels } from './gpu';
import { referenceAttention, referencePool, referenceRowStatistics, referenceTile, visibilityOf } from './reference';
import { pooledMap, rowStatistics, tileMaps } from './statistics';
import { questPages, tokenSelectChoice } from './select';

export const TOLERANCE = 1e-4;

export interface CheckResult {
	kernel: 'attention' | 'row statistics' | 'pooled map' | 'heatmap tiles' | 'quest pages' | 'token-select' | 'tile skipping';
	name: string;
	/** The largest absolute difference from the reference (0 for exact checks). */
	error: number;
	ok: boolean;
	detail?: string;
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	let worst = a.length === b.length ? 0 : Infinity;
	for (let n = 0; n < Math.min(a.length, b.length); n++) {
		// Both −∞ (a row that sees nothing) agree.
		const diff = a[n] === b[n] ? 0 : Math.abs(a[n] - b[n]);
		worst = Math.max(worst, Number.isNaN(diff) ? Infinity : diff);
	}
	return worst;
};

const result = (kernel: CheckResult['kernel'], name: string, error: number, detail?: string): CheckResult => ({ kernel, name, error, ok: error <= TOLERANCE, detail });

async function checkAttention(kernels: Kernels, call: KernelCase): Promise<CheckResult[]> {
	const visible = visibilityOf(call, call.masks);
	const gpu = await attend(kernels, call);
	const ref = referenceAttention(call, visible);
	const T = call.queryPositions.length;
	const seen = Float64Array.from({ length: call.heads * T }, (_, r) => {
		let n = 0;
		for (let s = 0; s < call.S; s++) if (visible(Math.floor(r / T), r % T, s)) n++;
		return n;
	});
	const countsAgree = maxDifference(gpu.keysSeen, seen) === 0;
	const detail = `${gpu.tiles.computed} of ${gpu.tiles.total} tiles computed${countsAgree ? '' : '; keys seen per row differ'}`;
	const out = [result('attention', call.name, countsAgree ? Math.max(maxDifference(gpu.out, ref.out), maxDifference(gpu.logSumExp, ref.logSumExp)) : Infinity, detail)];

	// Statistics of full attention, with the pattern's recall; then a pooled window of the pattern's own map.
	const full = { ...call, rules: call.rules.map(() => ({ window: Infinity })) };
	const fullVisible = visibilityOf(full, call.masks.map((m) => new Uint8Array(m.length).fill(1)));
	const fullLse = (await attend(kernels, full)).logSumExp;
	const stats = await rowStatistics(kernels, { ...full, logSumExp: fullLse }, { sinkBelow: 4, recallOf: call.rules });
	const refStats = referenceRowStatistics(full, fullVisible, 4, visible);
	const topSlotsAgree = Array.from(stats.topSlot).every((slot, r) => slot === refStats.topSlot[r]);
	out.push(
		result(
			'row statistics',
			call.name,
			Math.max(...(['sinkMass', 'meanDistance', 'entropy', 'recall'] as const).map((key) => maxDifference(stats[key], refStats[key]) / (key === 'meanDistance' ? Math.max(1, call.S) : 1)), topSlotsAgree ? 0 : Infinity),
			topSlotsAgree ? 'mean distance compared relative to the key count' : 'top slots differ'
		)
	);
	const rng = createRng(call.S * 7919 + T);
	const rowFrom = rng.int(0, T - 1);
	const rowTo = rng.int(rowFrom + 1, T);
	const slotFrom = rng.int(0, call.S - 1);
	const slotTo = rng.int(slotFrom + 1, call.S);
	const headFrom = rng.int(0, call.heads - 1);
	const window = { rowFrom, rowTo, slotFrom, slotTo, rows: rng.int(1, rowTo - rowFrom), cols: rng.int(1, slotTo - slotFrom), headFrom, headTo: rng.int(headFrom + 1, call.heads), mode: rng.pick(['max', 'mean'] as const) };
	const pooled = await pooledMap(kernels, { ...call, logSumExp: gpu.logSumExp }, window);
	out.push(result('pooled map', `${call.name} ${window.mode} ${window.rows}×${window.cols}`, maxDifference(pooled, referencePool(call, visible, window))));

	// The heatmap's tiles over positions: a pooled overview and a full-resolution window.
	const last = call.queryPositions[T - 1] + 1;
	const block = rng.int(1, 9);
	const q0 = rng.int(0, last - 1);
	const k0 = rng.int(0, last - 1);
	const tiles = [
		{ q0: 0, q1: last, k0: 0, k1: last, block, rows: Math.ceil(last / block), cols: Math.ceil(last / block) },
		{ q0, q1: last, k0, k1: last, block: 1, rows: last - q0, cols: last - k0 }
	];
	const head = rng.int(0, call.heads - 1);
	const firstRow = rng.int(0, T - 1);
	const maps = await tileMaps(kernels, { ...call, logSumExp: gpu.logSumExp }, head, firstRow, tiles);
	const tileError = Math.max(...tiles.map((tile, n) => maxDifference(maps[n], referenceTile(call, visible, head, firstRow, tile))));
	out.push(result('heatmap tiles', `${call.name} head ${head} from row ${firstRow}, block ${block}`, tileError));
	return out;
}

/** Entries of two [heads, T, S] masks that differ where a query may see the key (the engine ignores the rest). */
function causalDifferences(call: KernelCase, a: Uint8Array, b: Uint8Array, heads: number): number {
	const T = call.queryPositions.length;
	let differ = 0;
	for (let h = 0; h < heads; h++) {
		const keys = call.keyPositions[Math.floor(h / (call.heads / call.kvHeads))];
		for (let t = 0; t < T; t++) {
			for (let s = 0; s < keys.length; s++) {
				const at = (h * T + t) * call.S + s;
				if (keys[s] <= call.queryPositions[t] && a[at] !== b[at]) differ++;
			}
		}
	}
	return differ;
}

/** A MaskContext over a case, as the engine gives KV policies at a decode step. */
function maskContext(call: KernelCase, layer: number): MaskContext {
	const config = kernelConfig(call.heads, call.kvHeads, call.headDim, layer + 1);
	const scores = attentionScores(call.q, call.k, call.heads, call.kvHeads, call.queryPositions.length, call.S, call.headDim);
	return {
		config,
		layer,
		phase: 'decode',
		queryPositions: call.queryPositions,
		keyPositions: call.keyPositions,
		slots: call.S,
		callPositions: call.queryPositions,
		rowOffset: 0,
		window: null,
		scores: () => scores,
		vectors: () => ({ queries: call.q, keys: call.k })
	};
}

async function checkQuest(kernels: Kernels, call: KernelCase): Promise<CheckResult> {
	const params: ParamValues = { ...defaultValues(quest.params), page: 1 + (call.S % 7), budget: 8 + (call.S % 40) };
	const page = params.page as number;
	const ref = quest.decodeMask!(params, maskContext(call, params.dense_layers as number))!.mask;
	const { pages, chosen } = await questPages(kernels, call, { page, pagesRead: Math.max(3, Math.floor((params.budget as number) / page)) });
	const T = call.queryPositions.length;
	const mask = new Uint8Array(call.heads * T * call.S);
	for (let h = 0; h < call.heads; h++) {
		const n = call.keyPositions[Math.floor(h / (call.heads / call.kvHeads))].length;
		for (let t = 0; t < T; t++) {
			for (let g = 0; g < pages; g++) if (chosen[(h * T + t) * pages + g]) mask.fill(1, (h * T + t) * call.S + g * page, (h * T + t) * call.S + Math.min(n, (g + 1) * page));
		}
	}
	const differ = causalDifferences(call, mask, ref, call.heads);
	return result('quest pages', `${call.name} page ${page} budget ${params.budget}`, differ ? Infinity : 0, differ ? `${differ} entries differ from quest.decodeMask` : 'same pages as quest.decodeMask');
}

async function checkTokenSelect(kernels: Kernels, call: KernelCase): Promise<CheckResult> {
	// Every KV head holds the same keys (TokenSelect votes per token across heads).
	const same = { ...call, keyPositions: call.keyPositions.map(() => call.keyPositions[0]) };
	const [k, init, local] = [1 + (call.S % 23), call.S % 5, 1 + (call.S % 9)];
	const params: ParamValues = { ...defaultValues(tokenSelect.params), k, init, local };
	const ref = tokenSelect.decodeMask!(params, maskContext(same, 0))!.mask;
	const chosen = await tokenSelectChoice(kernels, same, { k, init, local, softcap: null });
	const keys = same.keyPositions[0];
	const mask = Uint8Array.from(chosen, (flag, i) => {
		const t = Math.floor(i / call.S);
		const s = i % call.S;
		const fixed = s < keys.length && (keys[s] < init || same.queryPositions[t] - keys[s] < local);
		return flag || fixed ? 1 : 0;
	});
	const differ = causalDifferences(same, mask, ref, 1);
	return result('token-select', `${call.name} k ${k}`, differ ? Infinity : 0, differ ? `${differ} entries differ from tokenSelect.decodeMask` : 'same tokens as tokenSelect.decodeMask');
}

/** Sinks + window over a long prefill: the kernel must compute only the tiles the pattern reaches. */
async function checkTileSkipping(kernels: Kernels): Promise<CheckResult[]> {
	const T = 1536;
	const d = 8;
	const rng = createRng(3);
	const positions = Int32Array.from({ length: T }, (_, n) => n);
	const call = { heads: 1, kvHeads: 1, headDim: d, S: T, queryPositions: positions, keyPositions: [positions], q: Float32Array.from({ length: T * d }, () => rng.next() - 0.5), k: Float32Array.from({ length: T * d }, () => rng.next() - 0.5), v: Float32Array.from({ length: T * d }, () => rng.next()), rules: [{ sinks: 4, window: 128 }], layerWindow: null, softcap: null, slopes: null };
	const { tiles } = await attend(kernels, call);
	// Each 64-row group reaches its sink tile and the tiles within 128 + 63 positions before it (32-key tiles at d = 8).
	const expected = Array.from({ length: T / 64 }, (_, g) => {
		const first = Math.max(0, Math.floor((g * 64 - 127) / 32));
		return g * 2 + 2 - first + (first > 0 ? 1 : 0);
	}).reduce((a, b) => a + b, 0);
	// A decode step (split over 256-key chunks) reads the sinks' chunk and the window's last one.
	const step = await attend(kernels, { ...call, queryPositions: positions.subarray(T - 1), q: call.q.subarray((T - 1) * d) });
	return [
		{ kernel: 'tile skipping', name: `prefill, sinks 4 + window 128 over ${T} tokens`, error: 0, ok: tiles.computed === expected && tiles.computed < tiles.total / 4, detail: `${tiles.computed} of ${tiles.total} tiles computed (expected ${expected})` },
		{ kernel: 'tile skipping', name: `decode step, sinks 4 + window 128 over ${T} tokens`, error: 0, ok: step.tiles.computed === 2, detail: `${step.tiles.computed} of ${step.tiles.total} chunks computed (expected 2)` }
	];
}

/** Runs every check; `onResult` sees each as it lands. */
export async function checkKernels(kernels: Kernels, options: { seed: number; casesPerPattern: number; onResult?: (result: CheckResult) => void }): Promise<CheckResult[]> {
	const results: CheckResult[] = [];
	const report = (r: CheckResult) => {
		results.push(r);
		options.onResult?.(r);
	};
	const cases = registryCases(options.seed, options.casesPerPattern);
	for (const call of cases) for (const r of await checkAttention(kernels, call)) report(r);
	for (const call of cases.filter((c) => c.queryPositions.length <= 8).slice(0, 12)) {
		report(await checkQuest(kernels, call));
		report(await checkTokenSelect(kernels, call));
	}
	for (const r of await checkTileSkipping(kernels)) report(r);
	return results;
}
