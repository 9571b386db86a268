/**
 * The content hash of an experiment: SHA-256 of its canonical JSON (keys sorted, views left
 * out), so two experiments that would run the same have the same hash, whatever order their
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

/** The part of an experiment that decides its result (everything but the shown views). */
export function runIdentity(experiment: Experiment): Omit<Experiment, 'views'> {
	const { views: _views, ...identity } = experiment;
	return identity;
}

export function experimentHash(experiment: Experiment): string {
	return bytesToHex(sha256(utf8ToBytes(canonical(runIdentity(experiment)))));
}
