/**
 * A strict reader of the safetensors format (https://github.com/huggingface/safetensors):
 * 8-byte little-endian header length, a JSON header of `name → {dtype, shape, data_offsets}`,
 * then the byte buffer. Every inconsistency is an error that names the tensor, because a
 * user dropping in a broken file deserves to know what is wrong with it.
 */

export type Dtype = 'F32' | 'F16' | 'BF16';

const DTYPE_BYTES: Record<Dtype, number> = { F32: 4, F16: 2, BF16: 2 };

/** Generous but finite: a header this large is a corrupt file, not a model. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorEntry {
	name: string;
	dtype: Dtype;
	shape: number[];
	/** Byte range inside the data buffer (after the header). */
	begin: number;
	end: number;
}

export interface SafetensorsFile {
	tensors: Map<string, TensorEntry>;
	metadata: Record<string, string>;
	/** Reads a tensor as f32, converting f16 and bf16. */
	read(name: string): Float32Array;
}

export class SafetensorsError extends Error {
	override name = 'SafetensorsError';
}

function fail(message: string): never {
	throw new SafetensorsError(message);
}

export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
	if (bytes.byteLength < 8) fail(`The file is ${bytes.byteLength} bytes long; a safetensors file starts with an 8-byte header length.`);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const headerLength = Number(view.getBigUint64(0, true));
	if (headerLength > MAX_HEADER_BYTES) fail(`The header length field says ${headerLength} bytes, more than any model needs: the file is not safetensors or is corrupt.`);
	if (8 + headerLength > bytes.byteLength) fail(`The header length field says ${headerLength} bytes, but the file has only ${bytes.byteLength - 8} after it.`);

	let header: unknown;
	try {
		header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
	} catch (error) {
		fail(`The header is not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)}).`);
	}
	if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('The header must be a JSON object.');

	const dataStart = 8 + headerLength;
	const dataLength = bytes.byteLength - dataStart;
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
		if (sorted[i].begin < sorted[i - 1].end) fail(`Tensors "${sorted[i - 1].name}" and "${sorted[i].name}" overlap in the data buffer.`);
	}

	return {
		tensors,
		metadata,
		read(name) {
			const entry = tensors.get(name);
			if (!entry) fail(`The file has no tensor "${name}".`);
			return toFloat32(bytes.subarray(dataStart + entry.begin, dataStart + entry.end), entry.dtype);
		}
	};
}

function checkEntry(name: string, raw: unknown, dataLength: number): TensorEntry {
	if (typeof raw !== 'object' || raw === null) fail(`Tensor "${name}": its header entry is not an object.`);
	const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
	if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
		fail(`Tensor "${name}": dtype ${JSON.stringify(dtype)} is not supported (F32, F16 and BF16 are).`);
	}
	if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
		fail(`Tensor "${name}": shape ${JSON.stringify(shape)} is not a list of non-negative integers.`);
	}
	if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)) {
		fail(`Tensor "${name}": data_offsets ${JSON.stringify(offsets)} must be two non-negative integers.`);
	}
	const [begin, end] = offsets as [number, number];
	if (end < begin) fail(`Tensor "${name}": data_offsets end (${end}) is before begin (${begin}).`);
	if (end > dataLength) fail(`Tensor "${name}": data_offsets end at byte ${end}, past the end of the data (${dataLength} bytes).`);
	const elements = (shape as number[]).reduce((a, b) => a * b, 1);
	const expected = elements * DTYPE_BYTES[dtype as Dtype];
	if (end - begin !== expected) {
		fail(`Tensor "${name}": shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected} bytes, but its data_offsets span ${end - begin}.`);
	}
	return { name, dtype: dtype as Dtype, shape: shape as number[], begin, end };
}

function toFloat32(raw: Uint8Array, dtype: Dtype): Float32Array {
	const count = raw.byteLength / DTYPE_BYTES[dtype];
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const out = new Float32Array(count);
	if (dtype === 'F32') {
		for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
	} else if (dtype === 'BF16') {
		// bf16 is the top half of an f32.
		const bits = new Uint32Array(out.buffer);
		for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
	} else {
		for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
	}
	return out;
}

export function halfToFloat(h: number): number {
	const sign = h & 0x8000 ? -1 : 1;
	const exponent = (h >> 10) & 0x1f;
	const fraction = h & 0x3ff;
	if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
	if (exponent === 0x1f) return fraction ? Number.NaN : sign * Infinity;
	return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
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
		const bytes = fromFloat32(data, dtype);
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

function fromFloat32(data: Float32Array, dtype: Dtype): Uint8Array {
	if (dtype === 'F32') return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
	const out = new Uint8Array(data.length * 2);
	const view = new DataView(out.buffer);
	const bits = new Uint32Array(Float32Array.from(data).buffer);
	for (let i = 0; i < data.length; i++) {
		view.setUint16(i * 2, dtype === 'BF16' ? roundToBf16(bits[i]) : floatToHalf(data[i]), true);
	}
	return out;
}

function roundToBf16(bits: number): number {
	// Round to nearest even on the dropped 16 bits.
	return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

function floatToHalf(value: number): number {
	const f32 = new Float32Array([value]);
	const x = new Uint32Array(f32.buffer)[0];
	const sign = (x >>> 16) & 0x8000;
	const exponent = ((x >>> 23) & 0xff) - 127 + 15;
	let mantissa = x & 0x7fffff;
	if (exponent >= 0x1f) return sign | 0x7c00 | (((x >>> 23) & 0xff) === 0xff && mantissa ? 0x200 : 0);
	if (exponent <= 0) {
		if (exponent < -10) return sign;
		mantissa |= 0x800000;
		const shift = 14 - exponent;
		const half = mantissa >>> shift;
		const rest = mantissa & ((1 << shift) - 1);
		const halfway = 1 << (shift - 1);
		return sign | (half + (rest > halfway || (rest === halfway && half & 1) ? 1 : 0));
	}
	const half = sign | (exponent << 10) | (mantissa >>> 13);
	const rest = mantissa & 0x1fff;
	return half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0);
}
