/**
 * The hub cache on disk, laid out as huggingface_hub lays out its own
 * (`models--<org>--<name>/snapshots/<commit>/<file>`, `refs/<revision>`), so
 * `--cache-dir ~/.cache/huggingface/hub` reuses what Python tools downloaded, and they ours.
 * Files are written under `blobs/` and renamed into the snapshot once whole.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { CachedFile, CachedModel, CacheWriter, FileKey, HubCache } from '../lib/hub/cache';
import { isComplete } from '../lib/hub/files';
import { isCommit } from '../lib/hub/model-id';
import { openFileSource } from './model-dir';

/** `$XDG_CACHE_HOME/longscope`, or `~/.cache/longscope` where XDG_CACHE_HOME is unset. */
export const defaultCacheDir = (env: NodeJS.ProcessEnv = process.env) => join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'longscope');

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR';

/** Every regular file below `dir`, as paths relative to it with `/` separators (links followed, as HF's snapshots are links). */
async function walk(dir: string, prefix = ''): Promise<{ name: string; size: number }[]> {
	const entries = await readdir(dir).catch((error) => (missing(error) ? [] : Promise.reject(error)));
	const found = await Promise.all(
		entries.map(async (entry) => {
			const info = await stat(join(dir, entry)).catch(() => null);
			if (info?.isDirectory()) return walk(join(dir, entry), `${prefix}${entry}/`);
			return info?.isFile() ? [{ name: `${prefix}${entry}`, size: info.size }] : [];
		})
	);
	return found.flat();
}

export class DiskCache implements HubCache {
	readonly root: string;

	constructor(root: string) {
		this.root = resolve(root);
	}

	/** A path in the cache; names come from ids and the hub, so one reaching outside is refused. */
	private path(repo: string, ...parts: string[]): string {
		const path = join(this.root, `models--${repo.replace('/', '--')}`, ...parts.flatMap((p) => p.split('/')));
		const inside = relative(this.root, path);
		if (inside.startsWith('..') || inside.startsWith(sep) || parts.some((p) => p.split('/').some((s) => s === '..' || s === '.' || s === ''))) {
			throw new Error(`Refusing a cache path outside ${this.root}: ${[repo, ...parts].join(' ')}`);
		}
		return path;
	}

	async file({ repo, commit, file }: FileKey): Promise<CachedFile | null> {
		const path = this.path(repo, 'snapshots', commit, file);
		const info = await stat(path).catch((error) => (missing(error) ? null : Promise.reject(error)));
		return info?.isFile() ? { size: info.size, open: async () => openFileSource(path) } : null;
	}

	async writer({ repo, commit, file }: FileKey): Promise<CacheWriter> {
		const target = this.path(repo, 'snapshots', commit, file);
		const temp = this.path(repo, 'blobs', `${randomUUID()}.incomplete`);
		await mkdir(dirname(temp), { recursive: true });
		const handle = await open(temp, 'wx');
		return {
			async write(chunk) {
				for (let done = 0; done < chunk.byteLength; ) done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
			},
			async commit() {
				await handle.close();
				await mkdir(dirname(target), { recursive: true });
				await rename(temp, target);
			},
			async abort() {
				await handle.close().catch(() => {});
				await rm(temp, { force: true });
			}
		};
	}

	async ref(repo: string, revision: string): Promise<string | null> {
		const text = await readFile(this.path(repo, 'refs', revision), 'utf8').catch((error) => (missing(error) ? null : Promise.reject(error)));
		const commit = text?.trim() ?? null;
		return commit !== null && isCommit(commit) ? commit : null;
	}

	async setRef(repo: string, revision: string, commit: string): Promise<void> {
		const path = this.path(repo, 'refs', revision);
		await mkdir(dirname(path), { recursive: true });
		await writeFile(path, commit);
	}

	async models(): Promise<CachedModel[]> {
		const dirs = await readdir(this.root).catch((error) => (missing(error) ? [] : Promise.reject(error)));
		const models: CachedModel[] = [];
		for (const dir of dirs.sort()) {
			const [, org, name] = /^models--(.+?)--(.+)$/.exec(dir) ?? [];
			if (!org) continue;
			const repo = `${org}/${name}`;
			for (const commit of (await readdir(this.path(repo, 'snapshots')).catch(() => [] as string[])).sort()) {
				const files = (await walk(this.path(repo, 'snapshots', commit))).sort((a, b) => a.name.localeCompare(b.name));
				const bytes = files.reduce((n, f) => n + f.size, 0);
				models.push({ repo, commit, files, bytes, complete: isComplete(files.map((f) => f.name)) });
			}
		}
		return models;
	}

	async remove(repo: string, commit: string): Promise<void> {
		await rm(this.path(repo, 'snapshots', commit), { recursive: true, force: true });
		for (const { name } of await walk(this.path(repo, 'refs'))) {
			if ((await this.ref(repo, name)) === commit) await rm(this.path(repo, 'refs', name));
		}
		// The last snapshot gone, the repo's folder goes too (with huggingface_hub's blobs, which only snapshots use).
		if ((await readdir(this.path(repo, 'snapshots')).catch(() => [])).length === 0) await rm(this.path(repo), { recursive: true, force: true });
	}

	async available(): Promise<number> {
		await mkdir(this.root, { recursive: true });
		const fs = await statfs(this.root);
		return fs.bavail * fs.bsize;
	}
}
