import { describe, expect, it } from 'vitest';
import {
	FIELDS,
	SLOTS,
	VIEW_IDS,
	decodeObject,
	decodeQuery,
	defaultExperiment,
	encodeQuery,
	experimentHash,
	experimentSchema,
	type Experiment
} from '$lib/experiment';
import type { ParamSpec, ParamValue } from '$lib/params/param-spec';
import { createRng, type Rng } from '$lib/random';
import { testCatalog } from './test-catalog';

/** Lab models, and hub repos by branch, tag and commit (a link from the lab names the commit). */
const MODEL_IDS = [
	'lab-rope',
	'stories260k',
	'smollm2-135m',
	'qwen2.5-0.5b',
	'hf:HuggingFaceTB/SmolLM2-135M@0123456789abcdef0123456789abcdef01234567',
	'hf:Qwen/Qwen2.5-0.5B-Instruct@refs/pr/1',
	'hf:google/gemma-3-270m',
	`hf:${'o'.repeat(96)}/${'n'.repeat(96)}@${'r'.repeat(128)}`
];
const TRICKY_TEXT = ['', ' ', 'a&b=c', '100%', '<script>alert(1)</script>', 'ünïcödé ✓ 日本語 🦙', 'x+y', '#frag', 'line\nbreak', '?v=2'];

function randomValue(rng: Rng, spec: ParamSpec): ParamValue {
	switch (spec.kind) {
		case 'int':
			return rng.int(spec.min, spec.max);
		case 'number': {
			// Mix round numbers, interval ends and arbitrary doubles.
			const choice = rng.int(0, 3);
			if (choice === 0) return spec.min;
			if (choice === 1) return spec.max;
			if (choice === 2) return Math.round((spec.min + rng.next() * (spec.max - spec.min)) * 100) / 100;
			return spec.min + rng.next() * (spec.max - spec.min);
		}
		case 'enum':
			return rng.pick(spec.options);
		case 'bool':
			return rng.next() < 0.5;
		case 'int-list':
			return Array.from({ length: rng.int(0, 5) }, () => rng.int(spec.min, spec.max));
		case 'text':
			// Shaped text in the catalog today: model ids and layer.head lists.
			if (spec.check) return rng.pick(MODEL_IDS);
			if (spec.pattern) return Array.from({ length: rng.int(0, 4) }, () => `${rng.int(0, 40)}.${rng.int(0, 7)}`).join(',');
			return rng.pick(TRICKY_TEXT) + String.fromCodePoint(rng.int(0x20, 0x2fff));
	}
}

function randomExperiment(rng: Rng): Experiment {
	const experiment = defaultExperiment(testCatalog);
	experiment.model = rng.pick(MODEL_IDS);
	experiment.len = randomValue(rng, FIELDS.len) as number;
	experiment.depth = randomValue(rng, FIELDS.depth) as number;
	experiment.seed = randomValue(rng, FIELDS.seed) as number;
	for (const slot of SLOTS) {
		const option = rng.pick(testCatalog[slot]);
		const params = Object.fromEntries(Object.entries(option.params).map(([name, spec]) => [name, randomValue(rng, spec)]));
		experiment[slot] = { id: option.id, params };
	}
	experiment.views = VIEW_IDS.filter(() => rng.next() < 0.5);
	return experiment;
}

describe('URL codec round trip', () => {
	it('gives back an equal experiment for 500 generated experiments', () => {
		const rng = createRng(2026);
		for (let i = 0; i < 500; i++) {
			const experiment = randomExperiment(rng);
			expect(experimentSchema(testCatalog).safeParse(experiment).success).toBe(true);
			const decoded = decodeQuery(encodeQuery(experiment, testCatalog), testCatalog);
			expect(decoded.problems).toEqual([]);
			expect(decoded.experiment).toEqual(experiment);
			expect(experimentHash(decoded.experiment)).toBe(experimentHash(experiment));
		}
	});

	it('reads the readable form from the design brief', () => {
		const query =
			'model=lab-rope&task=passkey&len=512&depth=0.5&seed=7&attn=sink-window&attn.sink=4&attn.window=128&kv=snapkv&kv.ratio=0.75&pos=yarn&pos.factor=4';
		const { experiment, problems } = decodeQuery(`?${query}`, testCatalog);
		expect(problems).toEqual([]);
		expect(experiment.seed).toBe(7);
		expect(experiment.attn).toEqual({ id: 'sink-window', params: { sink: 4, window: 128 } });
		expect(experiment.kv).toMatchObject({ id: 'snapkv', params: { ratio: 0.75, tokens: 0, every: 0, window: 16, kernel: 5, pooling: 'avg' } });
		expect(experiment.pos).toMatchObject({ id: 'yarn', params: { factor: 4, beta_fast: 32 } });
	});

	it('reads a hub model pinned to its commit and writes it back readable', () => {
		const model = 'hf:HuggingFaceTB/SmolLM2-135M@0123456789abcdef0123456789abcdef01234567';
		const { experiment, problems } = decodeQuery(`model=${model}&task=passkey&len=1024`, testCatalog);
		expect(problems).toEqual([]);
		expect(experiment.model).toBe(model);
		expect(encodeQuery(experiment, testCatalog)).toContain(`&model=${model}&task=passkey&`);
		// Escaped the long way (as URLSearchParams writes it), the same link.
		expect(decodeQuery(new URLSearchParams({ model }).toString(), testCatalog).experiment.model).toBe(model);
	});

	it('writes plain, readable URLs', () => {
		const experiment = defaultExperiment(testCatalog);
		experiment.attn = { id: 'per-layer', params: { full_layers: [0, 3], sink: 4, window: 64 } };
		const query = encodeQuery(experiment, testCatalog);
		expect(query).toContain('attn=per-layer&attn.full_layers=0,3&attn.sink=4&attn.window=64');
		expect(query).toContain('views=heatmap,heads,retrieval,needle,kv,latency');
		expect(query.startsWith('v=1&model=lab-rope&task=passkey&task.digits=5&task.chat=false&len=512&depth=0.5&seed=1&attn=per-layer')).toBe(true);
	});
});

describe('experiment hash', () => {
	it('does not depend on parameter order or on the shown views', () => {
		const a = decodeQuery('attn=sink-window&attn.window=64&attn.sink=2&seed=3&views=kv', testCatalog).experiment;
		const b = decodeQuery('seed=3&attn.sink=2&attn.window=64&attn=sink-window&views=heatmap,heads', testCatalog).experiment;
		expect(experimentHash(a)).toBe(experimentHash(b));
		expect(experimentHash(a)).toMatch(/^[0-9a-f]{64}$/);
	});

	it('changes when anything that affects the run changes', () => {
		const base = defaultExperiment(testCatalog);
		const hashes = new Set([
			experimentHash(base),
			experimentHash({ ...base, seed: base.seed + 1 }),
			experimentHash({ ...base, depth: 0.25 }),
			experimentHash({ ...base, attn: { id: 'sink-window', params: { sink: 4, window: 128 } } }),
			experimentHash({ ...base, attn: { id: 'sink-window', params: { sink: 4, window: 129 } } })
		]);
		expect(hashes.size).toBe(5);
	});

	it('is the SHA-256 of the canonical JSON (checked by hand for the default experiment)', async () => {
		const experiment = defaultExperiment(testCatalog);
		const canonical =
			'{"attn":{"id":"full","params":{}},"depth":0.5,"kv":{"id":"full","params":{}},"len":512,"model":"lab-rope",' +
			'"pos":{"id":"native","params":{}},"prune":{"id":"none","params":{}},"seed":1,' +
			'"task":{"id":"passkey","params":{"chat":false,"digits":5}}}';
		const { createHash } = await import('node:crypto');
		expect(experimentHash(experiment)).toBe(createHash('sha256').update(canonical).digest('hex'));
	});
});

const defaults = defaultExperiment(testCatalog);

describe('decoding experiments given as objects', () => {
	it('reads a typed object with the same rules', () => {
		const { experiment, problems } = decodeObject(
			{ len: 1024, attn: { id: 'sink-window', params: { window: 64 } }, views: ['kv'] },
			testCatalog
		);
		expect(problems).toEqual([]);
		expect(experiment.len).toBe(1024);
		expect(experiment.attn).toEqual({ id: 'sink-window', params: { sink: 4, window: 64 } });
		expect(experiment.views).toEqual(['kv']);
	});

	it('reports wrong types and non-objects', () => {
		expect(decodeObject('len=5', testCatalog).problems[0].message).toContain('must be an object');
		expect(decodeObject(null, testCatalog).experiment).toEqual(defaults);
		const typed = decodeObject({ len: [1024], depth: true, seed: '3', attn: { id: 7 } }, testCatalog);
		expect(typed.problems.map((p) => p.key)).toEqual(['len', 'depth', 'attn']);
		// Numbers written as strings are read as a URL would read them.
		expect(typed.experiment).toEqual({ ...defaults, seed: 3 });
	});
});
