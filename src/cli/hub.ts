/**
 * Hub models on the command line: the endpoint and token from the environment as huggingface_hub
 * reads them (HF_ENDPOINT, HF_TOKEN; a token on the command line would land in shell history),
 * the disk cache, and a progress bar on stderr.
 */
import { Engine } from '../lib/engine/engine';
import { HubClient } from '../lib/hub/client';
import { fetchHubModel, type HubModel } from '../lib/hub/model';
import { parseHubId } from '../lib/hub/model-id';
import { progressLine, type DownloadProgress } from '../lib/hub/progress';
import { DiskCache, defaultCacheDir } from './disk-cache';
import { NODE_MAX_WEIGHT_BYTES, withTokenizer, type LoadedModel } from './model-dir';

export interface HubFlags {
	cacheDir?: string;
}

/** Redraws at most this often: a fast local download would otherwise write thousands of lines. */
const REDRAW_MS = 200;

/** Draws progress on one line of stderr, rewritten in place; `done` ends the line. */
export function progressBar(write: (text: string) => void, now = () => performance.now()) {
	let last = -Infinity;
	let latest: DownloadProgress | null = null;
	let width = 0;
	const draw = (p: DownloadProgress) => {
		const line = progressLine(p);
		write(`\r${line.padEnd(width)}`);
		width = line.length;
	};
	return {
		update(p: DownloadProgress) {
			latest = p;
			if (now() - last < REDRAW_MS) return;
			last = now();
			draw(p);
		},
		done() {
			if (latest) {
				draw(latest);
				write('\n');
			}
		}
	};
}

/** Opens a hub model by id, downloading into the cache what it lacks, with progress on `err`. */
export async function loadHubModel(id: string, flags: HubFlags, err: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<HubModel> {
	const client = new HubClient({ endpoint: env.HF_ENDPOINT || undefined, token: env.HF_TOKEN || undefined });
	const bar = progressBar(err);
	try {
		return await fetchHubModel(parseHubId(id), {
			client,
			cache: new DiskCache(flags.cacheDir ?? defaultCacheDir(env)),
			maxWeightBytes: NODE_MAX_WEIGHT_BYTES,
			onProgress: (p) => bar.update(p)
		});
	} finally {
		bar.done();
	}
}

/** The engine for a hub model (the weights read tensor by tensor from the cache), its tokenizer, and the model's pinned id. */
export async function hubEngine(id: string, flags: HubFlags, err: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<LoadedModel> {
	const model = await loadHubModel(id, flags, err, env);
	const weights = await model.weights();
	let engine: Engine;
	try {
		engine = await Engine.load(model.config, weights, { maxWeightBytes: NODE_MAX_WEIGHT_BYTES });
	} finally {
		weights.close();
	}
	return withTokenizer(engine, model, model.id, model.repo);
}
