/**
 * Hub models in the page, shared by every page that picks one: where they come from (the hub's
 * address, a setting kept in localStorage so tests and mirrors can change it), the access token a
 * gated repo needs (sessionStorage only: it never enters a URL, a link, a message or a log),
 * downloads with progress and cancel, and the models this browser keeps. The engine worker then
 * opens a downloaded model from the same Cache Storage.
 */
import { BrowserCache } from '../hub/browser-cache';
import type { CachedModel } from '../hub/cache';
import { DEFAULT_ENDPOINT, HubClient } from '../hub/client';
import { HubError, type HubErrorKind } from '../hub/errors';
import { fetchHubModel, openCachedModel, type HubModel } from '../hub/model';
import { isCommit, type HubRef } from '../hub/model-id';
import type { DownloadProgress } from '../hub/progress';

const ENDPOINT_KEY = 'longscope.hub.endpoint';
const TOKEN_KEY = 'longscope.hub.token';

/** Storage may be blocked (private windows, sandboxed frames): the setting then lives in memory only. */
function read(storage: () => Storage, key: string): string | null {
	try {
		return storage().getItem(key);
	} catch {
		return null;
	}
}

function write(storage: () => Storage, key: string, value: string) {
	try {
		if (value) storage().setItem(key, value);
		else storage().removeItem(key);
	} catch {
		// Kept in memory only.
	}
}

export interface HubProblem {
	kind: HubErrorKind | 'other';
	message: string;
	/** Where a gated repo's licence is accepted. */
	page?: string;
}

export class HubModels {
	endpoint = $state(read(() => localStorage, ENDPOINT_KEY) ?? DEFAULT_ENDPOINT);
	token = $state(read(() => sessionStorage, TOKEN_KEY) ?? '');
	/** The model being downloaded or opened, and how far its download is. */
	fetching: HubRef | null = $state(null);
	progress: DownloadProgress | null = $state(null);
	problem: HubProblem | null = $state(null);
	cached: CachedModel[] = $state([]);
	readonly cache = new BrowserCache();
	#abort: AbortController | null = null;

	/** Takes an address the client takes (http or https): it becomes links on the page as well as requests. */
	setEndpoint(value: string) {
		let endpoint: string;
		try {
			endpoint = new HubClient({ endpoint: value.trim() || DEFAULT_ENDPOINT }).endpoint;
		} catch (error) {
			this.problem = describe(error, undefined);
			return;
		}
		this.endpoint = endpoint;
		this.problem = null;
		write(() => localStorage, ENDPOINT_KEY, endpoint === DEFAULT_ENDPOINT ? '' : endpoint);
	}

	setToken(value: string) {
		this.token = value.trim();
		write(() => sessionStorage, TOKEN_KEY, this.token);
	}

	async refresh(): Promise<void> {
		this.cached = await this.cache.models().catch(() => []);
	}

	/** The model, from the cache or downloaded into it; null when it failed or was cancelled (`problem` says why). */
	async fetch(ref: HubRef): Promise<HubModel | null> {
		this.#abort?.abort();
		const abort = new AbortController();
		this.#abort = abort;
		const current = () => this.#abort === abort;
		this.fetching = ref;
		this.progress = null;
		this.problem = null;
		let client: HubClient | null = null;
		try {
			client = new HubClient({ endpoint: this.endpoint, token: this.token || undefined });
			return await fetchHubModel(ref, {
				client,
				cache: this.cache,
				signal: abort.signal,
				onProgress: (p) => {
					if (current()) this.progress = p;
				}
			});
		} catch (error) {
			if (current()) this.problem = describe(error, client?.repoPage(ref.repo));
			return null;
		} finally {
			if (current()) {
				this.#abort = null;
				this.fetching = null;
				this.progress = null;
			}
			await this.refresh();
		}
	}

	/** A model the cache holds whole, opened without the network (a commit, or a branch the cache has a ref for). */
	async cachedModel(ref: HubRef): Promise<HubModel | null> {
		const commit = ref.revision !== undefined && isCommit(ref.revision) ? ref.revision : await this.cache.ref(ref.repo, ref.revision ?? 'main');
		return commit === null ? null : openCachedModel(this.cache, ref.repo, commit);
	}

	cancel(): void {
		this.#abort?.abort();
	}

	async remove(model: CachedModel): Promise<void> {
		await this.cache.remove(model.repo, model.commit);
		await this.refresh();
	}
}

function describe(error: unknown, page: string | undefined): HubProblem {
	if (!(error instanceof HubError)) return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
	return { kind: error.kind, message: error.message, ...(error.kind === 'gated' ? { page } : {}) };
}

/** One for the app: a download and the settings outlive a change of page. */
export const hubModels = new HubModels();
