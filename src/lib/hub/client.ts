/**
 * HTTP to the hub: the file URL layout, the revision API, and what each failure means for the
 * person who typed the id. The token is sent only as an Authorization header and kept in a
 * private field, so it appears in no URL, message or logged object.
 */
import { HubError, cancelled } from './errors';
import { checkFileName } from './files';
import { isCommit } from './model-id';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubClientOptions {
	/** The hub's address; https://huggingface.co by default. */
	endpoint?: string;
	/** An access token for gated and private repos. */
	token?: string;
	fetch?: typeof fetch;
}

export interface RepoFile {
	/** Bytes, where the hub says. */
	size: number | null;
	/** The SHA-256 of a file stored in LFS (the weights), where the hub says. */
	sha256: string | null;
}

export interface RepoRevision {
	commit: string;
	files: Map<string, RepoFile>;
}

const positive = (n: unknown) => (Number.isSafeInteger(n) && (n as number) >= 0 ? (n as number) : null);
const sha256 = (s: unknown) => (typeof s === 'string' && /^[0-9a-f]{64}$/.test(s) ? s : null);

export class HubClient {
	readonly endpoint: string;
	readonly #token: string | undefined;
	readonly #fetch: typeof fetch;

	constructor(options: HubClientOptions = {}) {
		this.endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
		if (!/^https?:\/\/[^/]/.test(this.endpoint)) throw new HubError('invalid-id', `The hub endpoint must be an http(s) address, e.g. ${DEFAULT_ENDPOINT}.`);
		this.#token = options.token || undefined;
		this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
	}

	/** Where a person accepts a gated repo's licence (and reads its card). */
	repoPage(repo: string): string {
		return `${this.endpoint}/${repo}`;
	}

	fileUrl(repo: string, revision: string, file: string): string {
		const path = checkFileName(file).split('/').map(encodeURIComponent).join('/');
		return `${this.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${path}`;
	}

	/** A revision's commit and files (with sizes and LFS hashes). */
	async revision(repo: string, revision: string, signal?: AbortSignal): Promise<RepoRevision> {
		const url = `${this.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
		const response = await this.request(url, { repo, revision }, { signal });
		const info: { sha?: unknown; siblings?: unknown } | null = await response.json().catch(() => null);
		if (typeof info?.sha !== 'string' || !isCommit(info.sha) || !Array.isArray(info.siblings)) {
			throw new HubError('server', `${url} did not answer with a commit and a file list; is ${this.endpoint} a Hugging Face hub?`);
		}
		const files = new Map<string, RepoFile>();
		for (const sibling of info.siblings as { rfilename?: unknown; size?: unknown; lfs?: { sha256?: unknown } }[]) {
			if (typeof sibling?.rfilename === 'string') files.set(sibling.rfilename, { size: positive(sibling.size), sha256: sha256(sibling.lfs?.sha256) });
		}
		return { commit: info.sha, files };
	}

	/** GETs a file (following the hub's redirects), or a byte range of it. */
	file(repo: string, commit: string, file: string, options: { signal?: AbortSignal; range?: [number, number] } = {}): Promise<Response> {
		const headers = options.range ? { Range: `bytes=${options.range[0]}-${options.range[1] - 1}` } : undefined;
		return this.request(this.fileUrl(repo, commit, file), { repo, revision: commit, file }, { signal: options.signal, headers });
	}

	private async request(url: string, what: Subject, init: { signal?: AbortSignal; headers?: Record<string, string> }): Promise<Response> {
		const headers = new Headers(init.headers);
		if (this.#token) headers.set('Authorization', `Bearer ${this.#token}`);
		let response: Response;
		try {
			response = await this.#fetch(url, { headers, signal: init.signal });
		} catch (error) {
			throw this.failure(error, url, what);
		}
		if (!response.ok) {
			void response.body?.cancel().catch(() => {});
			throw this.refusal(response, what);
		}
		return response;
	}

	/** A status the hub answered with, explained (the hub says which thing was missing in X-Error-Code). */
	private refusal(response: Response, { repo, revision, file }: Subject): HubError {
		const code = response.headers.get('x-error-code');
		const page = this.repoPage(repo);
		const notFound = `${repo} was not found on ${this.endpoint}: check the id`;
		if (response.status === 401 || response.status === 403) {
			if (code === 'RepoNotFound') return new HubError('not-found', `${notFound}; a private repo also needs an access token that can read it.`);
			return new HubError(
				'gated',
				this.#token
					? `${repo} is gated and this access token may not read it: accept the licence at ${page} with the account the token belongs to (HTTP ${response.status}).`
					: `${repo} is gated: accept its licence at ${page}, then give an access token (${this.endpoint}/settings/tokens) (HTTP ${response.status}).`
			);
		}
		if (response.status === 404) {
			if (code === 'RevisionNotFound') return new HubError('not-found', `${repo} has no revision "${revision}" (a branch, tag or commit); see ${page}/tree/main.`);
			if (file !== undefined && code !== 'RepoNotFound') return new HubError('not-found', `${repo} at ${revision} has no file ${file}.`);
			return new HubError('not-found', `${notFound}.`);
		}
		if (response.status === 416) return new HubError('corrupt', `${file} of ${repo} is shorter than its header says (HTTP 416 for a byte range); the repo's weights are damaged.`);
		if (response.status === 429) return new HubError('server', `${this.endpoint} is limiting requests (HTTP 429); try again in a minute.`);
		return new HubError('server', `${this.endpoint} answered HTTP ${response.status} for ${file ?? `${repo}@${revision}`}; try again later.`);
	}

	/** fetch threw: cancelled, offline, or (in a browser, where the two look alike) blocked by CORS. */
	private failure(error: unknown, url: string, { repo }: Subject): HubError {
		if ((error as { name?: unknown })?.name === 'AbortError') return cancelled(repo);
		if (globalThis.navigator?.onLine === false) return new HubError('offline', `This device is offline, and ${repo} is not in the cache; connect and try again.`);
		const cause = (error as { cause?: { code?: unknown } })?.cause;
		if (cause !== undefined) {
			// Node's fetch says why it failed (ECONNREFUSED, ENOTFOUND…); browsers say nothing.
			const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
			return new HubError('offline', `Could not reach ${this.endpoint}${code}: you may be offline or the address may be wrong, and ${repo} is not in the cache.`);
		}
		return new HubError('cors', `Could not fetch ${url}: the network failed, or ${new URL(url).origin} does not let this page read it (CORS). Check the connection and the hub address.`);
	}
}

interface Subject {
	repo: string;
	revision: string;
	file?: string;
}
