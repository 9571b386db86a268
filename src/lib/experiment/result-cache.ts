/**
 * Results computed before in this browser, in IndexedDB, keyed by the model, the experiment's
 * content hash and the run options: reopening a link shows its result at once.
 */
import { createStore, get, set, type UseStore } from 'idb-keyval';
import type { RunResult } from './run';

let store: UseStore | null = null;
const results = () => (store ??= createStore('longscope', 'results'));

export function cacheKey(model: string, hash: string, options: unknown): string {
	return `${model}|${hash}|${JSON.stringify(options)}`;
}

export async function cachedResult(key: string): Promise<RunResult | undefined> {
	try {
		return await get<RunResult>(key, results());
	} catch {
		// Private windows and blocked storage: run without the cache.
		return undefined;
	}
}

export async function cacheResult(key: string, result: RunResult): Promise<void> {
	try {
		await set(key, result, results());
	} catch {
		// Quota exceeded or storage blocked: the result simply is not kept.
	}
}
