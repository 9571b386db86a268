/**
 * Downloading a model's files into the cache: the small files into memory first, so the
 * architecture, the shard index, the weights' headers (read by byte range), the memory they will
 * take and the space left are all checked before the first byte of weights arrives. Each file is
 * streamed into the cache with progress, checked against the hub's size and SHA-256, and
 * committed whole; a cancelled or failed download leaves only whole files behind, and the next
 * download fetches only the files that are missing.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { parseConfig } from '../engine/config';
import { f32Bytes, parseSafetensors, type ByteSource } from '../engine/safetensors';
import { BROWSER_MAX_WEIGHT_BYTES, planWeights } from '../engine/weights';
import type { FileKey, HubCache } from './cache';
import type { HubClient, RepoRevision } from './client';
import { HubError, cancelled, isQuotaError } from './errors';
import { CONFIG, INDEX, SINGLE, parseShardIndex, planFiles } from './files';
import { formatHubId } from './model-id';
import { ProgressMeter, formatBytes, type DownloadProgress } from './progress';
import { joinShards } from './shards';

export interface DownloadOptions {
	client: HubClient;
	cache: HubCache;
	signal?: AbortSignal;
	onProgress?: (progress: DownloadProgress) => void;
	/** The most bytes the weights may take as f32 in this runtime (the engine's maxWeightBytes; the browser's by default). */
	maxWeightBytes?: number;
	/** Milliseconds, for the rate; performance.now by default. */
	now?: () => number;
}

/** A safetensors header is at most a few MiB (the engine refuses more than 4); this bounds the range read. */
const MAX_HEADER_READ = 8 * 2 ** 20;

class Download {
	private readonly label: string;
	private readonly meter: ProgressMeter;

	constructor(
		private readonly repo: string,
		private readonly info: RepoRevision,
		private readonly options: DownloadOptions,
		total: number
	) {
		this.label = formatHubId({ repo, revision: info.commit });
		this.meter = new ProgressMeter(total, options.now ?? (() => performance.now()));
	}

	/** Adds bytes to the progress total once the files they belong to are known. */
	expect(bytes: number): void {
		this.meter.total += bytes;
	}

	key(file: string): FileKey {
		return { repo: this.repo, commit: this.info.commit, file };
	}

	/** Streams a file to `write`, checking its size and hash; the chunks are passed on as they arrive. */
	async fetch(file: string, write: (chunk: Uint8Array) => Promise<void>): Promise<void> {
		const { client, signal, onProgress } = this.options;
		const response = await client.file(this.repo, this.info.commit, file, { signal });
		const expected = this.info.files.get(file);
		const size = expected?.size ?? (Number(response.headers.get('content-length')) || null);
		if (expected?.size == null && size !== null) this.expect(size);
		const hash = expected?.sha256 ? sha256.create() : null;
		let received = 0;
		const reader = response.body!.getReader();
		try {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				if (signal?.aborted) throw cancelled(this.repo);
				hash?.update(value);
				await write(value);
				received += value.byteLength;
				onProgress?.(this.meter.advance(file, value.byteLength));
			}
		} catch (error) {
			void reader.cancel().catch(() => {});
			throw isQuotaError(error) ? this.quota(size ?? received) : this.dropped(error, file, received);
		}
		if (size !== null && received !== size) throw new HubError('corrupt', `${file} of ${this.label} arrived with ${received} bytes, but the hub lists ${size}; try again.`);
		if (hash && bytesToHex(hash.digest()) !== expected!.sha256) throw new HubError('corrupt', `${file} of ${this.label} arrived damaged (its SHA-256 differs from the hub's); try again.`);
	}

	async fetchBytes(file: string): Promise<Uint8Array> {
		const chunks: Uint8Array[] = [];
		await this.fetch(file, async (chunk) => void chunks.push(chunk));
		return concat(chunks);
	}

	/** Streams a file into the cache, or writes bytes already fetched; visible only once whole. */
	async save(file: string, bytes?: Uint8Array): Promise<void> {
		const writer = await this.options.cache.writer(this.key(file), bytes?.byteLength ?? this.info.files.get(file)?.size ?? null).catch((error) => {
			throw isQuotaError(error) ? this.quota(0) : error;
		});
		try {
			if (bytes) await writer.write(bytes);
			else await this.fetch(file, (chunk) => writer.write(chunk));
			// Once cancelled, nothing more is committed, even a file whose last chunk had already come.
			if (this.options.signal?.aborted) throw cancelled(this.repo);
			await writer.commit();
		} catch (error) {
			await writer.abort().catch(() => {});
			throw isQuotaError(error) ? this.quota(bytes?.byteLength ?? 0) : error;
		}
	}

	/** Why reading a body failed: cancelled, or the connection went. */
	private dropped(error: unknown, file: string, received: number): HubError {
		if (error instanceof HubError) return error;
		if (this.options.signal?.aborted) return cancelled(this.repo);
		return new HubError('offline', `The connection to ${this.options.client.endpoint} dropped while downloading ${file} of ${this.repo} (${formatBytes(received)} received); try again: the files already downloaded are kept.`);
	}

	quota(needed: number, available?: number | null): HubError {
		const free = available === undefined || available === null ? '' : ` (${formatBytes(available)} free)`;
		return new HubError('quota', `There is not enough storage for ${this.label}${needed ? `, which needs ${formatBytes(needed)} more` : ''}${free}: delete cached models you no longer need, or free space, then try again.`);
	}

	/** Bytes [from, to) of a file, by a range request; a server that ignores ranges is read only that far. */
	async range(file: string, from: number, to: number): Promise<{ bytes: Uint8Array; size: number | null }> {
		const response = await this.options.client.file(this.repo, this.info.commit, file, { signal: this.options.signal, range: [from, to] });
		const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
		const whole = response.status === 200;
		const size = total ? Number(total) : whole ? Number(response.headers.get('content-length')) || null : null;
		const chunks: Uint8Array[] = [];
		let received = 0;
		const reader = response.body!.getReader();
		const want = whole ? to : to - from;
		try {
			while (received < want) {
				const { done, value } = await reader.read();
				if (done) break;
				chunks.push(value);
				received += value.byteLength;
			}
		} catch (error) {
			throw this.dropped(error, file, received);
		} finally {
			void reader.cancel().catch(() => {});
		}
		const bytes = concat(chunks);
		return { bytes: whole ? bytes.subarray(from, to) : bytes.subarray(0, to - from), size };
	}

	/** A weights file's header, as a source that holds only the header's bytes. */
	async header(file: string): Promise<ByteSource> {
		const head = await this.range(file, 0, 8);
		const size = head.size ?? this.info.files.get(file)?.size ?? null;
		if (size === null) throw new HubError('server', `${this.options.client.endpoint} gave no size for ${file} of ${this.label}, so its header cannot be checked before the download.`);
		// A file shorter than 8 bytes reads as itself: the safetensors reader says what is wrong with it.
		const length = head.bytes.byteLength < 8 ? 0 : Math.min(Number(new DataView(head.bytes.buffer, head.bytes.byteOffset, 8).getBigUint64(0, true)), MAX_HEADER_READ, size - 8);
		const prefix = concat([head.bytes, length > 0 ? (await this.range(file, 8, 8 + length)).bytes : new Uint8Array()]);
		return {
			size,
			read(offset, count) {
				if (offset + count > prefix.byteLength) throw new HubError('corrupt', `${file}: read past its header before download.`);
				return prefix.subarray(offset, offset + count);
			}
		};
	}
}

function concat(chunks: Uint8Array[]): Uint8Array {
	if (chunks.length === 1) return chunks[0];
	const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
	let at = 0;
	for (const chunk of chunks) {
		out.set(chunk, at);
		at += chunk.byteLength;
	}
	return out;
}

/** Downloads whatever of the model at `info.commit` the cache lacks; the cache then holds the whole model. */
export async function downloadModel(repo: string, info: RepoRevision, options: DownloadOptions): Promise<void> {
	const { cache, maxWeightBytes = BROWSER_MAX_WEIGHT_BYTES } = options;
	const label = formatHubId({ repo, revision: info.commit });
	const { extras, sharded } = planFiles(new Set(info.files.keys()), label);
	const cached = async (file: string) => (await cache.file({ repo, commit: info.commit, file })) !== null;
	const missing = async (files: string[]) => (await Promise.all(files.map(async (f) => ((await cached(f)) ? [] : [f])))).flat();
	const sizeOf = (files: string[]) => files.reduce((n, f) => n + (info.files.get(f)?.size ?? 0), 0);

	// The small files are fetched first and counted in the progress with the rest; the shards'
	// names come from the index, so the total is known only once it is in.
	const small = await missing([CONFIG, ...(sharded ? [INDEX] : [])]);
	const download = new Download(repo, info, options, sizeOf(small));
	const fetched = new Map(await Promise.all(small.map(async (f) => [f, await download.fetchBytes(f)] as const)));
	const read = async (file: string) => fetched.get(file) ?? (await readCached(cache, { repo, commit: info.commit, file }));

	const configBytes = await read(CONFIG);
	const index = sharded ? parseShardIndex(await read(INDEX), label) : null;
	const weights = index?.shards ?? [SINGLE];
	const absent = weights.find((f) => !info.files.has(f));
	if (absent) throw new HubError('not-a-model', `${label}'s ${INDEX} names ${absent}, which the repo does not hold.`);
	const headers = await Promise.all(weights.map(async (name) => ({ name, source: await download.header(name) })));

	// The engine's own checks, on the config and the weights' headers, before the weights download.
	let header, plan;
	try {
		const config = parseConfig(JSON.parse(new TextDecoder().decode(configBytes)));
		header = parseSafetensors(index ? joinShards(headers, index.weightMap, label) : headers[0].source);
		plan = planWeights(header, config, null);
	} catch (error) {
		if (error instanceof HubError) throw error;
		throw new HubError('not-a-model', `${label}: ${error instanceof Error ? error.message : String(error)}`);
	}
	const need = [...plan].reduce((n, name) => n + f32Bytes(header.tensors.get(name)!), 0);
	if (need > maxWeightBytes) {
		throw new HubError('too-large', `${label} needs ${formatBytes(need)} of memory for its weights (as f32), more than the ${formatBytes(maxWeightBytes)} this runtime can hold; pick a smaller model.`);
	}

	const rest = await missing([...extras, ...weights]);
	download.expect(sizeOf(rest));
	const toSave = sizeOf(small) + sizeOf(rest);
	const available = await cache.available();
	if (available !== null && toSave > available) throw download.quota(toSave, available);
	if (fetched.has(CONFIG)) await download.save(CONFIG, fetched.get(CONFIG));
	for (const file of rest) await download.save(file);
	if (fetched.has(INDEX)) await download.save(INDEX, fetched.get(INDEX));
}

/** A cached file's bytes, whole. */
export async function readCached(cache: HubCache, key: FileKey): Promise<Uint8Array> {
	const file = await cache.file(key);
	if (!file) throw new HubError('corrupt', `${key.file} of ${formatHubId({ repo: key.repo, revision: key.commit })} went missing from the cache while it was read.`);
	const source = await file.open();
	try {
		return source.read(0, source.size).slice();
	} finally {
		source.close();
	}
}
