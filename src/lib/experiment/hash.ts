/**
 * The content hash of an experiment: SHA-256 of its canonical JSON (keys sorted, the views and
 * how they are looked at left out), so two experiments that would run the same have the same hash, whatever order their
 * parameters were written in.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Experiment } from './schema';

function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (typeof value === 'object' && value !== null) {
		const keys = Object.keys(value).sort();
		return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

/** The part of an experiment that decides its result (everything but which views are shown and how). */
export function runIdentity(experiment: Experiment): Omit<Experiment, 'views' | 'view'> {
	const { views: _views, view: _view, ...identity } = experiment;
	return identity;
}

/** SHA-256 of a value's canonical JSON: the same for the same content, whatever its key order. */
export function contentHash(value: unknown): string {
	return bytesToHex(sha256(utf8ToBytes(canonical(value))));
}

export function experimentHash(experiment: Experiment): string {
	return contentHash(runIdentity(experiment));
}

/**
 * The id of what a lab link runs: A's hash alone, or with B a hash of both, so two comparisons
 * that share A but differ in B never show the same id.
 */
export function comparisonHash(a: Experiment, b: Experiment | null): string {
	if (!b) return experimentHash(a);
	return contentHash({ a: runIdentity(a), b: runIdentity(b) });
}
