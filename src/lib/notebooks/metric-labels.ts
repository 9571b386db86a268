/**
 * Readable names and units for the metrics a cell measures (the keys claims name, listed in
 * CELL_METRICS): a reader sees "KV cache resident at 131,072 tokens: 16.00 GiB", not
 * "residentKvGiB@131072 16".
 */

type Unit = 'share' | 'KiB' | 'GiB' | 'ms' | 's' | 'nats' | 'count';

const METRICS: Record<string, { label: string; unit: Unit }> = {
	accuracy: { label: 'Answers right', unit: 'share' },
	partial: { label: 'Answer characters right', unit: 'share' },
	density: { label: 'Attention entries computed', unit: 'share' },
	recall: { label: 'Attention mass kept (recall)', unit: 'share' },
	klToFull: { label: 'KL divergence from full attention', unit: 'nats' },
	nll: { label: 'Loss on the answer (NLL)', unit: 'nats' },
	residentKvKiB: { label: 'KV cache resident after the run', unit: 'KiB' },
	kvReadKiB: { label: 'KV read per decode step', unit: 'KiB' },
	flopsSaved: { label: 'Prefill FLOPs saved by pruning', unit: 'share' },
	retrievalHeads: { label: 'Retrieval heads found', unit: 'count' },
	sinkMass: { label: 'Attention on the first 4 tokens', unit: 'share' },
	retrievalMasked: { label: 'Answers right, retrieval heads masked', unit: 'share' },
	randomMasked: { label: 'Answers right, random heads masked', unit: 'share' },
	residentKvGiB: { label: 'KV cache resident', unit: 'GiB' },
	kvReadGiB: { label: 'KV read per token', unit: 'GiB' },
	msPerToken: { label: 'Time per token', unit: 'ms' },
	ttftSeconds: { label: 'Time to first token', unit: 's' },
	concurrency: { label: 'Conversations that fit', unit: 'count' }
};

function format(unit: Unit, value: number): string {
	switch (unit) {
		case 'share':
			return `${(value * 100).toFixed(1)} %`;
		case 'KiB':
		case 'GiB':
		case 'ms':
		case 's':
			return `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
		case 'nats':
			return `${value.toFixed(3)} nats`;
		case 'count':
			return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2);
	}
}

/**
 * A metric key (`accuracy`, `residentKvGiB@131072`, a sweep's `accuracy@snapkv@0.25`) as a label
 * and a value with its unit. One whole number after `@` is a length in tokens; anything else names
 * a sweep's point.
 */
export function describeMetric(key: string, value: number): { label: string; value: string } {
	const [name, ...at] = key.split('@');
	const known = METRICS[name];
	const where = at.length === 1 && /^\d+$/.test(at[0]) ? ` at ${Number(at[0]).toLocaleString('en-US')} tokens` : at.length > 0 ? ` (${at.join(', ')})` : '';
	if (!known) return { label: `${name}${where}`, value: Number.isInteger(value) ? String(value) : value.toFixed(3) };
	return { label: `${known.label}${where}`, value: format(known.unit, value) };
}
