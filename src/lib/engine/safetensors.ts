/**
 * A strict reader of the safetensors format (https://github.com/huggingface/safetensors):
 * 8-byte little-endian header length, a JSON header of `name → {dtype, shape, data_offsets}`,
 * then the byte buffer. Every inconsistency is an error that names the tensor, because a
 * user dropping in a broken file deserves to know what is wrong with it.
 */

import { quote, visible } from '../quote';
import { DTYPE_BYTES, encode, toFloat32, type Dtype } from './dtypes';

export type { Dtype };

/**
 * The reference reader allows 100 MB, but the header is parsed whole before anything can be
 * checked, and parsed JSON takes ~20× its size (a 16 MiB header of tiny entries peaked at 360 MB).
 * Models the lab can run have headers of kilobytes (1024 layers of 12 tensors: about 1.5 MB).
 */
const MAX_HEADER_BYTES = 4 * 2 ** 20;

export interface TensorEntry {
	name: string;
	dtype: Dtype;
	shape: number[];
	/** Byte range inside the data buffer (after the header). */
	begin: number;
	end: number;
}

export interface SafetensorsHeader {
	tensors: Map<string, TensorEntry>;
	metadata: Record<string, string>;
}

export interface SafetensorsFile extends SafetensorsHeader {
	/** Reads a tensor as f32, converting f16 and bf16. */
	read(name: string): Float32Array;
	/** Reads a tensor's bytes as stored (a view into the source's bytes where it holds them in memory). */
	bytes(name: string): Uint8Array;
}

/**
 * Random access to a file's bytes, so the header is checked before any tensor is read and a
 * file larger than memory (or than Node's 2 GiB `readFileSync`) is read one tensor at a time.
 */
export interface ByteSource {
	readonly size: number;
	read(offset: number, length: number): Uint8Array;
}

export const memorySource = (bytes: Uint8Array): ByteSource => ({ size: bytes.byteLength, read: (offset, length) => bytes.subarray(offset, offset + length) });

export class SafetensorsError extends Error {
	override name = 'SafetensorsError';
}

function fail(message: string): never {
	throw new SafetensorsError(message);
}

/** The header's length from the file's first 8 bytes, checked against the file's size. */
function headerLength(prefix: Uint8Array, fileSize: number): number {
	if (fileSize < 8) fail(`The file is ${fileSize} bytes long; a safetensors file starts with an 8-byte header length.`);
	const field = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
	if (field > MAX_HEADER_BYTES) fail(`The header length field says ${field} bytes, more than a model's header needs (${MAX_HEADER_BYTES}): the file is not safetensors or is corrupt.`);
	const length = Number(field);
	if (8 + length > fileSize) fail(`The header length field says ${length} bytes, but the file has only ${fileSize - 8} after it.`);
	return length;
}

/** Parses the JSON header and checks every tensor's byte range against the file's size. */
function parseHeader(json: Uint8Array, fileSize: number): SafetensorsHeader {
	let header: unknown;
	try {
		header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
	} catch (error) {
		fail(`The header is not valid UTF-8 JSON (${visible(error instanceof Error ? error.message : String(error))}).`);
	}
	if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('The header must be a JSON object.');

	const dataLength = fileSize - 8 - json.byteLength;
	const tensors = new Map<string, TensorEntry>();
	let metadata: Record<string, string> = {};

	for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
		if (name === '__metadata__') {
			if (typeof raw !== 'object' || raw === null || Object.values(raw).some((v) => typeof v !== 'string')) {
				fail('"__metadata__" must map names to strings.');
			}
			metadata = raw as Record<string, string>;
			continue;
		}
		tensors.set(name, checkEntry(name, raw, dataLength));
	}

	const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin);
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i].begin < sorted[i - 1].end) fail(`Tensors ${quote(sorted[i - 1].name)} and ${quote(sorted[i].name)} overlap in the data buffer.`);
	}
	// As the reference reader requires: the tensors tile the data exactly, so a file with a stray
	// tail (a concatenation, a wrong header) is refused rather than half-read.
	const covered = sorted.reduce((sum, t) => sum + t.end - t.begin, 0);
	if (covered !== dataLength) fail(`The tensors cover ${covered} bytes of data, but the file holds ${dataLength} after the header: it is corrupt or not one safetensors file.`);
	return { tensors, metadata };
}

export function parseSafetensors(input: Uint8Array | ByteSource): SafetensorsFile {
	const source = input instanceof Uint8Array ? memorySource(input) : input;
	const length = headerLength(source.read(0, Math.min(8, source.size)), source.size);
	const { tensors, metadata } = parseHeader(source.read(8, length), source.size);
	const dataStart = 8 + length;
	const entry = (name: string) => tensors.get(name) ?? fail(`The file has no tensor ${quote(name)}.`);
	const bytes = (name: string) => {
		const { begin, end } = entry(name);
		return source.read(dataStart + begin, end - begin);
	};
	return { tensors, metadata, bytes, read: (name) => toFloat32(bytes(name), entry(name).dtype) };
}

/** Reads a picked file's header without reading its tensors (the browser's `File`). */
export async function readSafetensorsHeader(blob: Blob): Promise<SafetensorsHeader> {
	const length = headerLength(new Uint8Array(await blob.slice(0, 8).arrayBuffer()), blob.size);
	return parseHeader(new Uint8Array(await blob.slice(8, 8 + length).arrayBuffer()), blob.size);
}

/** Bytes the tensors take once converted to f32, which is how the engine holds them. */
export const f32Bytes = (entry: TensorEntry) => (4 * (entry.end - entry.begin)) / DTYPE_BYTES[entry.dtype];

/** An untrusted JSON value in a message, cut short. */
const show = (value: unknown) => visible(JSON.stringify(value) ?? String(value));
/** A shape as `[2, 3]`, cut to 40 characters. */
export const dims = (shape: number[]) => visible(`[${shape.join(', ')}]`);

function checkEntry(name: string, raw: unknown, dataLength: number): TensorEntry {
	const label = `Tensor ${quote(name)}`;
	if (typeof raw !== 'object' || raw === null) fail(`${label}: its header entry is not an object.`);
	const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
	if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
		fail(`${label}: dtype ${show(dtype)} is not supported (F32, F16 and BF16 are).`);
	}
	if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
		fail(`${label}: shape ${show(shape)} is not a list of non-negative integers.`);
	}
	if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)) {
		fail(`${label}: data_offsets ${show(offsets)} must be two non-negative integers.`);
	}
	const [begin, end] = offsets as [number, number];
	if (end < begin) fail(`${label}: data_offsets end (${end}) is before begin (${begin}).`);
	if (end > dataLength) fail(`${label}: data_offsets end at byte ${end}, past the end of the data (${dataLength} bytes).`);
	const elements = (shape as number[]).reduce((a, b) => a * b, 1);
	const expected = elements * DTYPE_BYTES[dtype as Dtype];
	if (end - begin !== expected) {
		fail(`${label}: shape ${dims(shape as number[])} of ${dtype} needs ${expected} bytes, but its data_offsets span ${end - begin}.`);
	}
	return { name, dtype: dtype as Dtype, shape: shape as number[], begin, end };
}

/** Writes tensors as a safetensors file (used by the fixture script and the trainer). */
export function writeSafetensors(
	tensors: { name: string; shape: number[]; data: Float32Array; dtype?: Dtype }[],
	metadata: Record<string, string> = {}
): Uint8Array {
	const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
	const chunks: Uint8Array[] = [];
	let offset = 0;
	for (const { name, shape, data, dtype = 'F32' } of tensors) {
		const bytes = encode(data, dtype);
		header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] };
		chunks.push(bytes);
		offset += bytes.byteLength;
	}
	let json = JSON.stringify(header);
	// Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
	json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).byteLength) % 8)) % 8);
	const headerBytes = new TextEncoder().encode(json);
	const out = new Uint8Array(8 + headerBytes.byteLength + offset);
	new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
	out.set(headerBytes, 8);
	let at = 8 + headerBytes.byteLength;
	for (const chunk of chunks) {
		out.set(chunk, at);
		at += chunk.byteLength;
	}
	return out;
}
