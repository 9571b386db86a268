/**
 * A hub model by id: resolved to a commit, opened from the cache when it is there (no network at
 * all for a pinned id), downloaded when it is not. A branch is looked up online and, offline, in
 * the cache's refs, so `hf:org/name` keeps working without a network once downloaded.
 */
import type { ClosableSource, HubCache } from './cache';
import type { RepoRevision } from './client';
import { downloadModel, readCached, type DownloadOptions } from './download';
import { HubError } from './errors';
import { CONFIG, INDEX, SINGLE, parseShardIndex } from './files';
import { formatHubId, isCommit, type HubRef } from './model-id';
import { joinShards } from './shards';

export interface HubModel {
	repo: string;
	commit: string;
	/** `hf:<org>/<name>@<commit>`: the id that reproduces a run on this model. */
	id: string;
	/** config.json, parsed (not yet checked by the engine). */
	config: unknown;
	/** A text file of the snapshot (tokenizer.json, tokenizer_config.json…), or null when the repo has none. */
	text(file: string): Promise<string | null>;
	/** The weights as one safetensors source, shards joined; close it once the engine has loaded. */
	weights(): Promise<ClosableSource>;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The model at `commit` if the cache holds all of it, else null. */
export async function openCachedModel(cache: HubCache, repo: string, commit: string): Promise<HubModel | null> {
	const key = (file: string) => ({ repo, commit, file });
	const id = formatHubId({ repo, revision: commit });
	const [config, single, index] = await Promise.all([CONFIG, SINGLE, INDEX].map((file) => cache.file(key(file))));
	if (!config || (!single && !index)) return null;
	const shards = single ? null : parseShardIndex(await readCached(cache, key(INDEX)), id);
	if (shards && (await Promise.all(shards.shards.map((f) => cache.file(key(f))))).some((f) => f === null)) return null;
	let parsed: unknown;
	try {
		parsed = JSON.parse(text(await readCached(cache, key(CONFIG))));
	} catch {
		throw new HubError('corrupt', `The cached ${CONFIG} of ${id} is not valid JSON; delete the model from the cache and download it again.`);
	}
	return {
		repo,
		commit,
		id,
		config: parsed,
		text: async (file) => ((await cache.file(key(file))) ? text(await readCached(cache, key(file))) : null),
		async weights() {
			if (!shards) return (await cache.file(key(SINGLE)))!.open();
			const opened: ClosableSource[] = [];
			const close = () => opened.forEach((source) => source.close());
			try {
				for (const name of shards.shards) opened.push(await (await cache.file(key(name)))!.open());
				const joined = joinShards(shards.shards.map((name, i) => ({ name, source: opened[i] })), shards.weightMap, id);
				return { size: joined.size, read: (offset, length) => joined.read(offset, length), close };
			} catch (error) {
				close();
				throw error;
			}
		}
	};
}

/** The commit a revision names: itself when it is one, else the hub's answer, or offline the cache's ref. */
async function resolve(ref: HubRef, options: DownloadOptions): Promise<{ commit: string; info: RepoRevision | null }> {
	const revision = ref.revision ?? 'main';
	if (isCommit(revision)) return { commit: revision, info: null };
	try {
		const info = await options.client.revision(ref.repo, revision, options.signal);
		await options.cache.setRef(ref.repo, revision, info.commit);
		return { commit: info.commit, info };
	} catch (error) {
		const offline = error instanceof HubError && (error.kind === 'offline' || error.kind === 'cors');
		const commit = offline ? await options.cache.ref(ref.repo, revision) : null;
		if (commit === null) throw error;
		return { commit, info: null };
	}
}

/** Opens a hub model, downloading whatever of it the cache lacks. */
export async function fetchHubModel(ref: HubRef, options: DownloadOptions): Promise<HubModel> {
	const { commit, info } = await resolve(ref, options);
	const cached = await openCachedModel(options.cache, ref.repo, commit);
	if (cached) return cached;
	await downloadModel(ref.repo, info ?? (await options.client.revision(ref.repo, commit, options.signal)), options);
	const model = await openCachedModel(options.cache, ref.repo, commit);
	if (!model) throw new HubError('corrupt', `${formatHubId({ repo: ref.repo, revision: commit })} was downloaded but is not complete in the cache; try again.`);
	return model;
}
