/**
 * The hub cache in the browser: Cache Storage, which every browser offers in pages and workers,
 * keeps multi-gigabyte responses on disk, and takes a streamed body, so a file goes to disk as it
 * downloads and appears only once whole (a cancelled put stores nothing). OPFS would allow reading
 * a tensor at a time, but only from a worker with a sync handle; the engine holds the weights in
 * memory anyway. Entries are keyed by made-up URLs on a reserved domain:
 * `…/files/<org>/<name>/<commit>/<file>` and `…/refs/<org>/<name>/<revision>`.
 */
import { memorySource } from '../engine/safetensors';
import type { CachedFile, CachedModel, CacheWriter, FileKey, HubCache } from './cache';
import { isComplete } from './files';
import { isCommit } from './model-id';

const BASE = 'https://longscope.invalid/hub/';
const SIZE = 'x-longscope-size';

const fileUrl = ({ repo, commit, file }: FileKey) => `${BASE}files/${repo}/${commit}/${file.split('/').map(encodeURIComponent).join('/')}`;
const refUrl = (repo: string, revision: string) => `${BASE}refs/${repo}/${encodeURIComponent(revision)}`;

/** The size recorded when the file was stored, or (where the download could not say) the stored body's. */
const sizeOf = async (response: Response) => Number(response.headers.get(SIZE) ?? (await response.blob()).size);

export class BrowserCache implements HubCache {
	constructor(private readonly name = 'longscope-hub') {}

	private open(): Promise<Cache> {
		return caches.open(this.name);
	}

	async file(key: FileKey): Promise<CachedFile | null> {
		const cache = await this.open();
		const response = await cache.match(fileUrl(key));
		if (!response) return null;
		return {
			size: await sizeOf(response),
			// A body is read once: each open matches the entry again.
			open: async () => {
				const again = await cache.match(fileUrl(key));
				if (!again) throw new Error(`${key.file} was removed from the cache while the model was opened.`);
				return { ...memorySource(new Uint8Array(await again.arrayBuffer())), close: () => {} };
			}
		};
	}

	async writer(key: FileKey, size: number | null): Promise<CacheWriter> {
		const cache = await this.open();
		const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
		const writer = writable.getWriter();
		const stored = cache.put(fileUrl(key), new Response(readable, { headers: size === null ? {} : { [SIZE]: String(size) } }));
		void stored.catch(() => {});
		return {
			// A failed put (out of quota) errors the stream; the put's own error says why.
			write: (chunk) => writer.write(chunk).catch((error) => stored.then(() => Promise.reject(error))),
			async commit() {
				await writer.close();
				await stored;
			},
			async abort() {
				await writer.abort(new DOMException('The download was cancelled.', 'AbortError')).catch(() => {});
				await stored.catch(() => {});
				await cache.delete(fileUrl(key));
			}
		};
	}

	async ref(repo: string, revision: string): Promise<string | null> {
		const response = await (await this.open()).match(refUrl(repo, revision));
		const commit = response ? (await response.text()).trim() : null;
		return commit !== null && isCommit(commit) ? commit : null;
	}

	async setRef(repo: string, revision: string, commit: string): Promise<void> {
		await (await this.open()).put(refUrl(repo, revision), new Response(commit));
	}

	private async entries(): Promise<{ url: string; kind: string; repo: string; rest: string[] }[]> {
		const keys = await (await this.open()).keys();
		return keys.flatMap(({ url }) => {
			if (!url.startsWith(BASE)) return [];
			const [kind, org, name, ...rest] = url.slice(BASE.length).split('/');
			return [{ url, kind, repo: `${org}/${name}`, rest: rest.map(decodeURIComponent) }];
		});
	}

	async models(): Promise<CachedModel[]> {
		const cache = await this.open();
		const byCommit = new Map<string, CachedModel>();
		for (const { url, kind, repo, rest } of await this.entries()) {
			if (kind !== 'files') continue;
			const [commit, ...path] = rest;
			const id = `${repo}@${commit}`;
			if (!byCommit.has(id)) byCommit.set(id, { repo, commit, files: [], bytes: 0, complete: false });
			const model = byCommit.get(id)!;
			const response = await cache.match(url);
			const size = response ? await sizeOf(response) : 0;
			model.files.push({ name: path.join('/'), size });
			model.bytes += size;
		}
		const models = [...byCommit.values()];
		for (const model of models) model.complete = isComplete(model.files.map((f) => f.name));
		return models.sort((a, b) => `${a.repo}@${a.commit}`.localeCompare(`${b.repo}@${b.commit}`));
	}

	async remove(repo: string, commit: string): Promise<void> {
		const cache = await this.open();
		for (const entry of await this.entries()) {
			if (entry.repo !== repo) continue;
			const matches = entry.kind === 'files' ? entry.rest[0] === commit : (await (await cache.match(entry.url))?.text())?.trim() === commit;
			if (matches) await cache.delete(entry.url);
		}
	}

	async available(): Promise<number | null> {
		const estimate = await navigator.storage?.estimate?.();
		return estimate?.quota === undefined ? null : estimate.quota - (estimate.usage ?? 0);
	}
}
