/**
 * A sharded checkpoint read as one safetensors file: the engine loads a single ByteSource, so the
 * shards are joined into a virtual file (one header naming every tensor, the shards' data
 * regions one after another) without copying a byte of weights.
 */
import { parseSafetensors, type ByteSource } from '../engine/safetensors';
import { quote } from '../quote';
import { HubError } from './errors';
import { INDEX } from './files';

interface Part {
	/** Where the part starts in the joined file. */
	at: number;
	bytes: number;
	read(offset: number, length: number): Uint8Array;
}

const headerEnd = (source: ByteSource) => {
	const prefix = source.read(0, 8);
	return 8 + Number(new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true));
};

/**
 * Joins shards in the order given. Each shard is checked as safetensors, and against the index:
 * every tensor sits in the shard the index names, none twice, none missing.
 */
export function joinShards(shards: { name: string; source: ByteSource }[], weightMap: Map<string, string>, label: string): ByteSource {
	const fail = (why: string): never => {
		throw new HubError('not-a-model', `${label}: ${why}; the sharded checkpoint cannot be loaded.`);
	};
	const header: Record<string, unknown> = {};
	const parts: Part[] = [];
	let at = 0;
	for (const { name, source } of shards) {
		const file = parseSafetensors(source);
		for (const { name: tensor, dtype, shape, begin, end } of file.tensors.values()) {
			if (tensor in header) fail(`tensor ${quote(tensor)} is in more than one shard`);
			if (weightMap.get(tensor) !== name) fail(`${name} holds tensor ${quote(tensor)}, which ${INDEX} ${weightMap.has(tensor) ? `puts in ${weightMap.get(tensor)}` : 'does not name'}`);
			header[tensor] = { dtype, shape, data_offsets: [at + begin, at + end] };
		}
		const start = headerEnd(source);
		parts.push({ at, bytes: source.size - start, read: (offset, length) => source.read(start + offset, length) });
		at += source.size - start;
	}
	const missing = [...weightMap.keys()].find((tensor) => !(tensor in header));
	if (missing !== undefined) fail(`${INDEX} puts tensor ${quote(missing)} in ${weightMap.get(missing)}, which does not hold it`);

	const json = new TextEncoder().encode(JSON.stringify(header));
	const prefix = new Uint8Array(8 + json.byteLength);
	new DataView(prefix.buffer).setBigUint64(0, BigInt(json.byteLength), true);
	prefix.set(json, 8);
	const all: Part[] = [{ at: 0, bytes: prefix.byteLength, read: (offset, length) => prefix.subarray(offset, offset + length) }, ...parts.map((p) => ({ ...p, at: p.at + prefix.byteLength }))];

	return {
		size: prefix.byteLength + at,
		read(offset, length) {
			const touched = all.filter((p) => p.at < offset + length && offset < p.at + p.bytes);
			const slice = (p: Part, from: number, to: number) => p.read(from - p.at, to - from);
			// A tensor lies in one shard: most reads are one part's, returned without a copy.
			if (touched.length === 1) return slice(touched[0], offset, offset + length);
			const out = new Uint8Array(length);
			for (const p of touched) {
				const from = Math.max(offset, p.at);
				out.set(slice(p, from, Math.min(offset + length, p.at + p.bytes)), from - offset);
			}
			return out;
		}
	};
}
