/** A minimal PNG writer (8-bit RGB, no interlace) for heatmaps in model cards. */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
	const out = new Uint8Array(12 + data.length);
	const view = new DataView(out.buffer);
	view.setUint32(0, data.length);
	out.set(new TextEncoder().encode(type), 4);
	out.set(data, 8);
	view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
	return out;
}

/** `rgb` holds width × height × 3 bytes, row by row. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Uint8Array {
	const header = new Uint8Array(13);
	const view = new DataView(header.buffer);
	view.setUint32(0, width);
	view.setUint32(4, height);
	header.set([8, 2, 0, 0, 0], 8);
	const raw = new Uint8Array(height * (1 + width * 3));
	for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
	const signature = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
	const parts = [signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())];
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/** A T × T attention map as a heatmap: white (0) to dark blue (1), square-root scaled to show faint mass. */
export function attentionPng(probs: Float32Array, T: number, scale = 2): Uint8Array {
	const size = T * scale;
	const rgb = new Uint8Array(size * size * 3);
	for (let y = 0; y < size; y++) {
		for (let x = 0; x < size; x++) {
			const i = Math.floor(y / scale);
			const j = Math.floor(x / scale);
			const v = j <= i ? Math.sqrt(Math.min(1, probs[i * T + j])) : 0;
			const at = (y * size + x) * 3;
			rgb[at] = Math.round(255 * (1 - v * 0.9));
			rgb[at + 1] = Math.round(255 * (1 - v * 0.75));
			rgb[at + 2] = Math.round(255 * (1 - v * 0.35));
		}
	}
	return encodePng(size, size, rgb);
}
