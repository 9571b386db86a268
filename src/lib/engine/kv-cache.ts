/**
 * The key/value cache: per layer and KV head, the keys before rotation (so a position scheme can
 * re-rotate them), the keys rotated at their original positions, the values, and each entry's
 * original token position. Heads are independent so a policy can keep different tokens per head.
 */

/** Entries a head's arrays start with; they double as entries arrive. */
const FIRST_CAPACITY = 64;

/** Entries a head's arrays hold once `entries` have been appended (one at a time, as the engine does). */
export function cacheCapacity(entries: number): number {
	let capacity = FIRST_CAPACITY;
	while (capacity < entries) capacity *= 2;
	return capacity;
}

export class HeadCache {
	length = 0;
	keysRaw: Float32Array;
	keys: Float32Array;
	values: Float32Array;
	positions: Int32Array;

	constructor(readonly headDim: number, capacity = FIRST_CAPACITY) {
		this.keysRaw = new Float32Array(capacity * headDim);
		this.keys = new Float32Array(capacity * headDim);
		this.values = new Float32Array(capacity * headDim);
		this.positions = new Int32Array(capacity);
	}

	private grow(needed: number): void {
		const capacity = this.positions.length;
		if (needed <= capacity) return;
		const next = Math.max(needed, capacity * 2);
		const widen = (a: Float32Array) => {
			const b = new Float32Array(next * this.headDim);
			b.set(a.subarray(0, this.length * this.headDim));
			return b;
		};
		this.keysRaw = widen(this.keysRaw);
		this.keys = widen(this.keys);
		this.values = widen(this.values);
		const positions = new Int32Array(next);
		positions.set(this.positions.subarray(0, this.length));
		this.positions = positions;
	}

	/**
	 * Adds one entry in position order (entries stay ascending: usually an append, an insert when
	 * a revived token comes back); the vectors are read from `offset` in each source array.
	 */
	append(keyRaw: Float32Array, key: Float32Array, value: Float32Array, offset: number, position: number): void {
		this.grow(this.length + 1);
		const d = this.headDim;
		const index = countAtMost(this.positions.subarray(0, this.length), position);
		if (index < this.length) {
			for (const a of [this.keysRaw, this.keys, this.values]) a.copyWithin((index + 1) * d, index * d, this.length * d);
			this.positions.copyWithin(index + 1, index, this.length);
		}
		this.keysRaw.set(keyRaw.subarray(offset, offset + d), index * d);
		this.keys.set(key.subarray(offset, offset + d), index * d);
		this.values.set(value.subarray(offset, offset + d), index * d);
		this.positions[index] = position;
		this.length++;
	}

	/** Keeps only the entries at `indices` (ascending, unique), in that order. */
	keep(indices: ArrayLike<number>): void {
		const d = this.headDim;
		let previous = -1;
		for (let n = 0; n < indices.length; n++) {
			const i = indices[n];
			if (!Number.isInteger(i) || i <= previous || i >= this.length) {
				throw new RangeError(`keep(): indices must be ascending, unique and below ${this.length}; got ${i} after ${previous}`);
			}
			previous = i;
			if (i !== n) {
				this.keysRaw.copyWithin(n * d, i * d, (i + 1) * d);
				this.keys.copyWithin(n * d, i * d, (i + 1) * d);
				this.values.copyWithin(n * d, i * d, (i + 1) * d);
				this.positions[n] = this.positions[i];
			}
		}
		this.length = indices.length;
	}
}

export class KvCache {
	readonly layers: HeadCache[][];

	constructor(layers: number, readonly kvHeads: number, readonly headDim: number) {
		this.layers = Array.from({ length: layers }, () => Array.from({ length: kvHeads }, () => new HeadCache(headDim)));
	}

	head(layer: number, kvHead: number): HeadCache {
		return this.layers[layer][kvHead];
	}

	keep(layer: number, kvHead: number, indices: ArrayLike<number>): void {
		this.head(layer, kvHead).keep(indices);
	}

	/** Drops every head's entries of `layer` at positions before `position`. */
	dropBefore(layer: number, position: number): void {
		for (const head of this.layers[layer]) {
			const from = countAtMost(head.positions.subarray(0, head.length), position - 1);
			if (from > 0) head.keep(Array.from({ length: head.length - from }, (_, i) => from + i));
		}
	}

	/** Entries held, per layer and KV head. */
	lengths(): number[][] {
		return this.layers.map((heads) => heads.map((head) => head.length));
	}

	/** Bytes of keys and values resident (one key and one value vector per entry). */
	residentBytes(bytesPerValue = 4): number {
		let entries = 0;
		for (const heads of this.layers) for (const head of heads) entries += head.length;
		return entries * this.headDim * 2 * bytesPerValue;
	}
}

/**
 * The slots [from, to) of ascending key positions that a query at `query` may see: causal, and
 * within `window` keys when the layer slides (a cache's positions only grow, so this is one run).
 */
export function visibleRange(keyPositions: Int32Array, query: number, window: number | null): [number, number] {
	return [window === null ? 0 : countAtMost(keyPositions, query - window), countAtMost(keyPositions, query)];
}

/** Whether positions strictly increase (no eviction or revival reordered them). */
export function ascending(positions: ArrayLike<number>): boolean {
	for (let n = 1; n < positions.length; n++) if (positions[n] <= positions[n - 1]) return false;
	return true;
}

/** How many of the ascending `values` are ≤ `limit`. */
export function countAtMost(values: Int32Array, limit: number): number {
	let lo = 0;
	let hi = values.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (values[mid] <= limit) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}
