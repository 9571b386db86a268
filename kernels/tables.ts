/**
 * Positions and pattern rules packed into one u32 buffer (kernels bind few buffers: WebGPU
 * guarantees only 8 storage buffers per shader). Layout: query positions [T], key positions
 * [Hkv, S], key counts [Hkv], then one header of {@link HEADER} words per rule set and head,
 * then the rules' sorted lists. Positions are stored as their i32 bits.
 */
import { ascending } from '../src/lib/engine/kv-cache';
import { KernelError } from './gpu';
import type { PatternRule } from '../src/lib/engine/pattern-rule';

export const HEADER = 16;
/** "Every earlier key" for a window, and "absent" for an offset. */
export const ALL = 0xffffffff;

export interface Tables {
	words: Uint32Array;
	/** Offsets of the key positions, key counts, and each rule set's headers. */
	keyPositionsAt: number;
	keyCountsAt: number;
	rulesAt: number[];
}

export interface Positions {
	queryPositions: Int32Array;
	/** Each KV head's key positions, ascending; shorter heads are padded to S slots. */
	keyPositions: Int32Array[];
	S: number;
}



/** Packs positions and `ruleSets` (each one rule per query head) for the kernels. */
export function packTables(positions: Positions, ruleSets: PatternRule[][]): Tables {
	const { queryPositions, keyPositions, S } = positions;
	if (!ascending(queryPositions) || !keyPositions.every(ascending)) throw new KernelError('the kernels need query and key positions in ascending order.');
	const T = queryPositions.length;
	const words: number[] = [];
	// (A loop, not push(...values): long contexts hold more values than a call takes arguments.)
	const append = (values: ArrayLike<number>) => {
		for (let n = 0; n < values.length; n++) words.push(values[n]);
	};
	append(queryPositions);
	const keyPositionsAt = words.length;
	for (const keys of keyPositions) {
		if (keys.length > S) throw new KernelError(`a KV head holds ${keys.length} keys, more than the ${S} slots.`);
		append(keys);
		words.length += S - keys.length;
	}
	const keyCountsAt = words.length;
	append(keyPositions.map((keys) => keys.length));
	const rulesAt = ruleSets.map((rules) => {
		const at = words.length;
		words.length += rules.length * HEADER;
		return at;
	});
	const list = (values: ArrayLike<number>) => {
		const sorted = Int32Array.from(values).sort();
		const at = words.length;
		append(sorted);
		return [at, sorted.length];
	};
	ruleSets.forEach((rules, set) =>
		rules.forEach((rule, head) => {
			const header = new Array<number>(HEADER).fill(0);
			header[0] = rule.sinks ?? 0;
			header[1] = rule.window === undefined ? 0 : Math.min(ALL, rule.window);
			if (rule.blockWindow) [header[2], header[3]] = [rule.blockWindow.size, rule.blockWindow.blocks];
			if (rule.period) [header[4], header[5]] = [rule.period.every, Math.min(ALL, rule.period.reach)];
			[header[6], header[7]] = list(rule.verticals ?? []);
			[header[8], header[9]] = list(rule.slashes ?? []);
			header[14] = ALL;
			if (rule.blocks) {
				const size = rule.blocks.size;
				const first = Math.floor(Math.max(0, queryPositions[0] ?? 0) / size);
				const count = T ? Math.floor(queryPositions[T - 1] / size) - first + 1 : 0;
				const pointers = words.length;
				words.length += count + 1;
				for (let qb = 0; qb < count; qb++) {
					words[pointers + qb] = words.length;
					list(rule.blocks.chosen(first + qb));
				}
				words[pointers + count] = words.length;
				[header[10], header[11], header[12], header[13]] = [size, pointers, first, count];
			}
			if (rule.rowSlots) {
				const pointers = words.length;
				words.length += T + 1;
				for (let t = 0; t < T; t++) {
					words[pointers + t] = words.length;
					list(rule.rowSlots(t));
				}
				words[pointers + T] = words.length;
				header[14] = pointers;
			}
			for (let f = 0; f < HEADER; f++) words[rulesAt[set] + head * HEADER + f] = header[f];
		})
	);
	// Holes left for headers and padding slots read as 0.
	return { words: Uint32Array.from(words, (w) => (w ?? 0) >>> 0), keyPositionsAt, keyCountsAt, rulesAt };
}

/** The WGSL that reads the tables: positions, and whether a rule shows key j to query i. */
export const RULE_WGSL = /* wgsl */ `
const ALL: u32 = 0xffffffffu;
fn header(rules: u32, h: u32, f: u32) -> u32 { return tables[rules + h * ${HEADER}u + f]; }
fn queryPosition(t: u32) -> i32 { return bitcast<i32>(tables[t]); }
fn keyPosition(kvh: u32, s: u32) -> i32 { return bitcast<i32>(tables[P.keyPositionsAt + kvh * P.S + s]); }
fn keyCount(kvh: u32) -> u32 { return tables[P.keyCountsAt + kvh]; }
// First index of the sorted list at [at, at + count) whose value is ≥ value.
fn lowerBound(at: u32, count: u32, value: i32) -> u32 {
	var lo = 0u;
	var hi = count;
	loop {
		if (lo >= hi) { break; }
		let mid = (lo + hi) / 2u;
		if (bitcast<i32>(tables[at + mid]) < value) { lo = mid + 1u; } else { hi = mid; }
	}
	return lo;
}
// Whether the sorted list holds a value in [lo, hi].
fn listHolds(at: u32, count: u32, lo: i32, hi: i32) -> bool {
	if (count == 0u || hi < lo) { return false; }
	return lowerBound(at, count, hi + 1) > lowerBound(at, count, lo);
}
fn blockListHolds(rules: u32, h: u32, queryBlock: i32, lo: i32, hi: i32) -> bool {
	let first = i32(header(rules, h, 12u));
	if (queryBlock < first || queryBlock >= first + i32(header(rules, h, 13u))) { return false; }
	let pointer = header(rules, h, 11u) + u32(queryBlock - first);
	return listHolds(tables[pointer], tables[pointer + 1u] - tables[pointer], lo, hi);
}
fn rowHolds(rules: u32, h: u32, t: u32, lo: u32, hi: u32) -> bool {
	let pointers = header(rules, h, 14u);
	if (pointers == ALL) { return false; }
	return listHolds(tables[pointers + t], tables[pointers + t + 1u] - tables[pointers + t], i32(lo), i32(hi));
}
// The layer's own sliding window (0: none) applies whatever the pattern says.
fn outsideLayer(distance: i32) -> bool {
	return distance < 0 || (P.layerWindow != 0u && u32(distance) >= P.layerWindow);
}
fn visible(rules: u32, h: u32, i: i32, j: i32, t: u32, s: u32) -> bool {
	let distance = i - j;
	if (outsideLayer(distance)) { return false; }
	if (u32(j) < header(rules, h, 0u) || u32(distance) < header(rules, h, 1u)) { return true; }
	let bw = i32(header(rules, h, 2u));
	if (bw != 0 && i / bw - j / bw < i32(header(rules, h, 3u))) { return true; }
	let every = header(rules, h, 4u);
	if (every != 0u && u32(distance) % every == 0u && u32(distance) < header(rules, h, 5u)) { return true; }
	if (listHolds(header(rules, h, 6u), header(rules, h, 7u), j, j)) { return true; }
	if (listHolds(header(rules, h, 8u), header(rules, h, 9u), distance, distance)) { return true; }
	let bs = i32(header(rules, h, 10u));
	if (bs != 0 && blockListHolds(rules, h, i / bs, j / bs, j / bs)) { return true; }
	return rowHolds(rules, h, t, s, s);
}
// Whether any query of rows [r0, r1) may see any key of slots [c0, c1) (positions ascending):
// false only where every entry is masked, so a tile it refuses can be skipped.
fn tileMayShow(rules: u32, h: u32, kvh: u32, r0: u32, r1: u32, c0: u32, c1: u32) -> bool {
	let qmin = queryPosition(r0);
	let qmax = queryPosition(r1 - 1u);
	let kmin = keyPosition(kvh, c0);
	let kmax = keyPosition(kvh, c1 - 1u);
	let dmax = qmax - kmin;
	let dmin = max(0, qmin - kmax);
	if (dmax < 0 || outsideLayer(dmin)) { return false; }
	if (u32(kmin) < header(rules, h, 0u) || u32(dmin) < header(rules, h, 1u)) { return true; }
	let bw = i32(header(rules, h, 2u));
	if (bw != 0 && qmin / bw - kmax / bw < i32(header(rules, h, 3u))) { return true; }
	let every = i32(header(rules, h, 4u));
	if (every != 0) {
		let multiple = (dmin + every - 1) / every * every;
		if (multiple <= dmax && u32(multiple) < header(rules, h, 5u)) { return true; }
	}
	if (listHolds(header(rules, h, 6u), header(rules, h, 7u), kmin, kmax)) { return true; }
	if (listHolds(header(rules, h, 8u), header(rules, h, 9u), dmin, dmax)) { return true; }
	let bs = i32(header(rules, h, 10u));
	if (bs != 0) {
		for (var qb = qmin / bs; qb <= qmax / bs; qb++) {
			if (blockListHolds(rules, h, qb, kmin / bs, kmax / bs)) { return true; }
		}
	}
	for (var t = r0; t < r1; t++) {
		if (rowHolds(rules, h, t, c0, c1 - 1u)) { return true; }
	}
	return false;
}
`;
