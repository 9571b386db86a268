/**
 * Which files of a repo make a model: config.json, the weights (one model.safetensors, or the
 * shards model.safetensors.index.json names), and the tokenizer and generation files where the
 * repo has them (a lab model's bytes tokenizer needs no tokenizer.json; what a run lacks is said
 * by the tokenizer, not here).
 *
 * The weights are written to the cache last (the index after its shards), so a snapshot that
 * holds them holds everything: completeness needs no manifest and survives a cancelled download.
 */
import { quote } from '../quote';
import { HubError } from './errors';

export const CONFIG = 'config.json';
export const SINGLE = 'model.safetensors';
export const INDEX = 'model.safetensors.index.json';
export const EXTRAS = ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'generation_config.json'];

/** A shard index lists a few hundred files at most; this bounds what is parsed. */
const MAX_INDEX_BYTES = 16 * 2 ** 20;

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * File names come from the server (a shard index's weight_map) and become paths on disk and in
 * URLs: plain relative paths only, so no name can reach outside the snapshot.
 */
export function checkFileName(name: string): string {
	const segments = name.split('/');
	if (name.length > 255 || !segments.every((s) => SEGMENT.test(s) && !s.includes('..'))) {
		throw new HubError('not-a-model', `The file name ${quote(name)} is not a plain relative path of letters, digits, "_", "." and "-"; the repo cannot be loaded.`);
	}
	return name;
}

export const isComplete = (names: Iterable<string>) => {
	const set = new Set(names);
	return set.has(CONFIG) && (set.has(SINGLE) || set.has(INDEX));
};

/** The shard files an index names, in order of first mention, each checked as a file name. */
export function parseShardIndex(bytes: Uint8Array, label: string): { shards: string[]; weightMap: Map<string, string> } {
	const fail = (why: string): never => {
		throw new HubError('not-a-model', `${label}'s ${INDEX} ${why}; the sharded checkpoint cannot be loaded.`);
	};
	if (bytes.byteLength > MAX_INDEX_BYTES) fail(`is ${bytes.byteLength} bytes, more than a shard index needs`);
	let index: unknown;
	try {
		index = JSON.parse(new TextDecoder().decode(bytes));
	} catch {
		fail('is not valid JSON');
	}
	const map = (index as { weight_map?: unknown } | null)?.weight_map;
	if (typeof map !== 'object' || map === null || Array.isArray(map)) fail('has no "weight_map" object');
	const weightMap = new Map<string, string>();
	for (const [tensor, file] of Object.entries(map as Record<string, unknown>)) {
		if (typeof file !== 'string' || !file.endsWith('.safetensors')) fail(`maps tensor ${quote(tensor)} to ${quote(file)}, not a .safetensors file`);
		weightMap.set(tensor, checkFileName(file as string));
	}
	if (weightMap.size === 0) fail('maps no tensors');
	return { shards: [...new Set(weightMap.values())], weightMap };
}

/** The files to fetch besides the weights, and whether the weights are sharded, from the repo's file list. */
export function planFiles(siblings: Set<string>, label: string): { extras: string[]; sharded: boolean } {
	if (!siblings.has(CONFIG)) throw new HubError('not-a-model', `${label} has no ${CONFIG}, so it is not a model this lab can load.`);
	const sharded = !siblings.has(SINGLE) && siblings.has(INDEX);
	if (!sharded && !siblings.has(SINGLE)) {
		const hint = [...siblings].some((name) => name.endsWith('.bin')) ? ' (it has PyTorch .bin weights only; the lab reads safetensors)' : '';
		throw new HubError('not-a-model', `${label} has no ${SINGLE} or ${INDEX}${hint}, so it is not a model this lab can load.`);
	}
	return { extras: EXTRAS.filter((name) => siblings.has(name)), sharded };
}
