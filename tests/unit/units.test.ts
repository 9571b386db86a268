import { describe, expect, it } from 'vitest';
import { byteUnit, formatBytes, formatDuration, formatPercent, formatPointChange, formatRelativeChange } from '../../src/lib/components/units';

describe('bytes in the unit that fits, 3 significant digits', () => {
	it('keeps whole bytes below 1 KiB', () => {
		expect(formatBytes(0)).toBe('0 B');
		expect(formatBytes(1023)).toBe('1023 B');
		expect(formatBytes(null)).toBe('—');
	});
	it('moves up a unit at each 1024', () => {
		expect(formatBytes(1024)).toBe('1.00 KiB');
		// 1536 / 1024 = 1.5
		expect(formatBytes(1536)).toBe('1.50 KiB');
		// 500 000 KiB = 512 000 000 B = 488.28 MiB
		expect(formatBytes(500_000 * 1024)).toBe('488 MiB');
		// 0.002 GiB = 2 147 483.6 B = 2.048 MiB
		expect(formatBytes(0.002 * 2 ** 30)).toBe('2.05 MiB');
		// 12.345 GiB
		expect(formatBytes(12.345 * 2 ** 30)).toBe('12.3 GiB');
	});
	it('never shows 1024 of a unit: 1023.9 KiB rounds to 1.00 MiB', () => {
		expect(formatBytes(1023.9 * 1024)).toBe('1.00 MiB');
		expect(formatBytes(1023.4 * 1024)).toBe('1023 KiB');
	});
	it('chooses an axis unit from the largest value', () => {
		expect(byteUnit(1023)).toEqual({ unit: 'B', factor: 1 });
		expect(byteUnit(3 * 2 ** 20)).toEqual({ unit: 'MiB', factor: 2 ** 20 });
		expect(byteUnit(0)).toEqual({ unit: 'B', factor: 1 });
	});
});

describe('shares change in percentage points', () => {
	it('100 % → 0 % is −100 pp, never −100 %', () => {
		expect(formatPointChange(1, 0)).toBe('−100 pp');
		expect(formatPointChange(0, 1)).toBe('+100 pp');
	});
	it('keeps one decimal where the change has one', () => {
		// 57.0 % → 59.5 %: +2.5 pp
		expect(formatPointChange(0.57, 0.595)).toBe('+2.5 pp');
		expect(formatPointChange(0.5, 0.5)).toBe('same');
		expect(formatPointChange(null, 0.5)).toBe('—');
	});
	it('formats shares and relative changes of other quantities', () => {
		expect(formatPercent(0.786)).toBe('78.6 %');
		expect(formatRelativeChange(200, 100)).toBe('−50 %');
		expect(formatRelativeChange(100, 100.4)).toBe('+0.4 %');
		expect(formatRelativeChange(0, 5)).toBe('from 0');
	});
	it('durations read in the fitting unit', () => {
		expect(formatDuration(0.5)).toBe('500.0 µs');
		expect(formatDuration(12.34)).toBe('12.3 ms');
		expect(formatDuration(1500)).toBe('1.50 s');
	});
});
