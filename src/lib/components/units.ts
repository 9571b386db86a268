/**
 * Numbers as a reader should see them: bytes in the binary unit that fits (3 significant digits,
 * never "500,000 KiB" or "0.002 GiB"), shares as percentages and changes of shares in percentage
 * points (100 % → 0 % is −100 pp, not −100 %).
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
export type ByteUnit = (typeof BYTE_UNITS)[number];

/** The largest binary unit in which `bytes` is at least 1 (B for 0 and below 1 KiB). */
export function byteUnit(bytes: number): { unit: ByteUnit; factor: number } {
	let i = 0;
	while (i < BYTE_UNITS.length - 1 && Math.abs(bytes) >= 1024 ** (i + 1)) i++;
	return { unit: BYTE_UNITS[i], factor: 1024 ** i };
}

/** Three significant digits without exponent notation (values up to 1023 keep their integer digits). */
const decimalsFor = (size: number) => (size >= 100 ? 0 : size >= 10 ? 1 : size >= 1 ? 2 : Math.min(6, 2 - Math.floor(Math.log10(size))));

/** Three significant digits without exponent notation (values up to 1023 keep their integer digits). */
export function significant(value: number): string {
	if (value === 0) return '0';
	const decimals = decimalsFor(Math.abs(value));
	// 0.9999 rounds up into the next band: "1.00", not "1.000".
	const rounded = Math.abs(Number(value.toFixed(decimals)));
	return value.toFixed(Math.min(decimals, decimalsFor(rounded)));
}

export function formatBytes(bytes: number | null): string {
	if (bytes === null || !Number.isFinite(bytes)) return '—';
	const { unit, factor } = byteUnit(bytes);
	// Whole bytes are counted, not rounded.
	if (unit === 'B') return `${Number.isInteger(bytes) ? bytes : significant(bytes)} B`;
	const shown = significant(bytes / factor);
	// 1023.9 KiB would round to "1024 KiB": that is 1.00 MiB.
	if (Math.abs(Number(shown)) >= 1024 && unit !== 'PiB') return `${significant(bytes / factor / 1024)} ${BYTE_UNITS[BYTE_UNITS.indexOf(unit) + 1]}`;
	return `${shown} ${unit}`;
}

/** A share (0–1) as a percentage. */
export function formatPercent(share: number | null, digits = 1): string {
	return share === null || !Number.isFinite(share) ? '—' : `${(share * 100).toFixed(digits)} %`;
}

const signed = (magnitude: string, negative: boolean) => `${negative ? '−' : '+'}${magnitude}`;

/** The change from share `a` to share `b` (both 0–1) in percentage points. */
export function formatPointChange(a: number | null, b: number | null, digits = 1): string {
	if (a === null || b === null) return '—';
	const points = (b - a) * 100;
	const size = Number(Math.abs(points).toFixed(digits));
	if (size === 0) return 'same';
	return `${signed(Number.isInteger(size) ? String(size) : size.toFixed(digits), points < 0)} pp`;
}

/** The relative change from `a` to `b`, for quantities that are not shares (bytes, nats). */
export function formatRelativeChange(a: number | null, b: number | null): string {
	if (a === null || b === null) return '—';
	if (a === b) return 'same';
	if (a === 0) return 'from 0';
	const change = ((b - a) / Math.abs(a)) * 100;
	const size = Math.abs(change);
	return `${signed(size < 1 ? size.toFixed(1) : size.toFixed(0), change < 0)} %`;
}

/** Milliseconds in the unit that reads best. */
export function formatDuration(ms: number | null): string {
	if (ms === null || !Number.isFinite(ms)) return '—';
	const s = ms / 1000;
	return s < 1e-3 ? `${(s * 1e6).toFixed(1)} µs` : s < 1 ? `${significant(ms)} ms` : `${significant(s)} s`;
}
