/**
 * The floating-point types checkpoints store (f32, f16, bf16), as raw little-endian bytes: reading
 * them as f32, writing them, and f16's bits for graphs that keep matrices in half precision.
 */

export type Dtype = 'F32' | 'F16' | 'BF16';

export const DTYPE_BYTES: Record<Dtype, number> = { F32: 4, F16: 2, BF16: 2 };

/** The largest finite f16. */
const HALF_MAX = 65504;

/** Elements `first` … `first + out.length − 1` of `raw` as f32, into `out`. */
export function decodeInto(raw: Uint8Array, dtype: Dtype, first: number, out: Float32Array): Float32Array {
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const count = out.length;
	if (dtype === 'F32') {
		for (let i = 0; i < count; i++) out[i] = view.getFloat32((first + i) * 4, true);
	} else if (dtype === 'BF16') {
		// bf16 is the top half of an f32.
		const bits = new Uint32Array(out.buffer, out.byteOffset, count);
		for (let i = 0; i < count; i++) bits[i] = view.getUint16((first + i) * 2, true) << 16;
	} else {
		for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16((first + i) * 2, true));
	}
	return out;
}

export const toFloat32 = (raw: Uint8Array, dtype: Dtype) => decodeInto(raw, dtype, 0, new Float32Array(raw.byteLength / DTYPE_BYTES[dtype]));

/** The index of the first NaN or ±Infinity in `raw` (its exponent bits all set), or −1. */
export function firstNonFinite(raw: Uint8Array, dtype: Dtype): number {
	const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
	const count = raw.byteLength / DTYPE_BYTES[dtype];
	if (dtype === 'F32') {
		for (let i = 0; i < count; i++) if ((view.getUint32(i * 4, true) & 0x7f800000) === 0x7f800000) return i;
		return -1;
	}
	const exponent = dtype === 'BF16' ? 0x7f80 : 0x7c00;
	for (let i = 0; i < count; i++) if ((view.getUint16(i * 2, true) & exponent) === exponent) return i;
	return -1;
}

export function halfToFloat(h: number): number {
	const sign = h & 0x8000 ? -1 : 1;
	const exponent = (h >> 10) & 0x1f;
	const fraction = h & 0x3ff;
	if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
	if (exponent === 0x1f) return fraction ? Number.NaN : sign * Infinity;
	return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** f32 values as raw bytes of `dtype`, rounded to nearest even. */
export function encode(data: Float32Array, dtype: Dtype): Uint8Array {
	if (dtype === 'F32') return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
	const out = new Uint8Array(data.length * 2);
	const view = new DataView(out.buffer);
	const bits = new Uint32Array(Float32Array.from(data).buffer);
	for (let i = 0; i < data.length; i++) {
		view.setUint16(i * 2, dtype === 'BF16' ? roundToBf16(bits[i]) : floatToHalf(data[i]), true);
	}
	return out;
}

/** A number as a tensor of this dtype holds it (what `torch.tensor(x).to(dtype)` gives). */
export function roundToDtype(value: number, dtype: Dtype): number {
	return toFloat32(encode(Float32Array.of(value), dtype), dtype)[0];
}

/**
 * f16 bits of `values`, or null where one lies outside f16's range. Values from an f16 checkpoint
 * come back exactly, and so do a bf16 checkpoint's down to f16's smallest normal (6.1e-5); below
 * it, f16 keeps steps of 2^-24, so a bf16 value there moves by at most 3e-8.
 */
export function toHalf(values: Float32Array): Uint16Array | null {
	const out = new Uint16Array(values.length);
	for (let i = 0; i < values.length; i++) {
		if (Math.abs(values[i]) > HALF_MAX) return null;
		out[i] = floatToHalf(values[i]);
	}
	return out;
}

function roundToBf16(bits: number): number {
	// Round to nearest even on the dropped 16 bits.
	return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

const f32Scratch = new Float32Array(1);
const bitsScratch = new Uint32Array(f32Scratch.buffer);

function floatToHalf(value: number): number {
	f32Scratch[0] = value;
	const x = bitsScratch[0];
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
