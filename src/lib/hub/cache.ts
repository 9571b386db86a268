/**
 * Where downloaded files are kept: one small interface, implemented on disk in Node
 * (disk-cache.ts) and in Cache Storage in the browser (browser-cache.ts). Files are keyed by repo,
 * commit and file name: a commit never changes, so a cached file is never stale. Branches and
 * tags are kept as refs (revision → commit), so `hf:org/name` still opens offline.
 */
import type { ByteSource } from '../engine/safetensors';

export interface FileKey {
	repo: string;
	commit: string;
	/** The file's path in the repo, e.g. `config.json` or `model-00001-of-00002.safetensors`. */
	file: string;
}

export interface ClosableSource extends ByteSource {
	close(): void;
}

export interface CachedFile {
	readonly size: number;
	/** Random access to the bytes; close it when done. */
	open(): Promise<ClosableSource>;
}

/** A file being written: nothing is visible to {@link HubCache.file} until `commit`. */
export interface CacheWriter {
	write(chunk: Uint8Array): Promise<void>;
	commit(): Promise<void>;
	abort(): Promise<void>;
}

export interface CachedModel {
	repo: string;
	commit: string;
	files: { name: string; size: number }[];
	/** Bytes on disk, every file counted. */
	bytes: number;
	/** Whether the files a model needs are all there (a cancelled download leaves some). */
	complete: boolean;
}

export interface HubCache {
	file(key: FileKey): Promise<CachedFile | null>;
	/** Starts writing a file of `size` bytes (null where the hub did not say). */
	writer(key: FileKey, size: number | null): Promise<CacheWriter>;
	ref(repo: string, revision: string): Promise<string | null>;
	setRef(repo: string, revision: string, commit: string): Promise<void>;
	models(): Promise<CachedModel[]>;
	/** Deletes one commit's files and the refs that point to it. */
	remove(repo: string, commit: string): Promise<void>;
	/** Bytes that may still be stored, or null where the platform does not say. */
	available(): Promise<number | null>;
}
