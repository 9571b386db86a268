/**
 * Every registry pattern's kernel rule (AttentionPattern.rule) keeps exactly the entries its
 * mask keeps, on random calls (kernels/cases.ts): chunks and decode steps, evicted keys, GQA,
 * sliding layers, random parameters. The GPU kernels are then checked against the masks in the
 * browser (tests/e2e/kernels.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { kernelConfig, registryCases } from '../../kernels/cases';
import { referenceAttention, visibilityOf } from '../../kernels/reference';
import { packTables } from '../../kernels/tables';
import { attentionBias } from '$lib/engine/bias';
import { bytesRead } from '$lib/engine/kernel-attention';
import { ruleMask, visibleByRule } from '$lib/engine/pattern-rule';
import { attentionPatterns } from '$lib/techniques/registry';

describe('pattern rules', () => {
	const cases = registryCases(11, 8);

	it('cover every pattern in the registry', () => {
		expect(new Set(cases.map((c) => c.name.split(' ')[0]))).toEqual(new Set(attentionPatterns.map((p) => p.id)));
	});

	for (const call of cases) {
		it(`keep what the mask keeps: ${call.name}`, () => {
			const visible = visibilityOf(call, call.masks);
			const group = call.heads / call.kvHeads;
			const differences: string[] = [];
			for (let h = 0; h < call.heads; h++) {
				const keys = call.keyPositions[Math.floor(h / group)];
				call.queryPositions.forEach((i, t) => {
					keys.forEach((j, s) => {
						if (visibleByRule(call.rules[h], i, j, t, s, call.layerWindow) !== visible(h, t, s)) differences.push(`head ${h} query ${i} key ${j}`);
					});
				});
			}
			expect(differences.slice(0, 5)).toEqual([]);
		});
	}
});

describe('KV bytes a decode step reads on the kernels', () => {
	it('equal what the mask path counts for the same keys (bias.ts)', () => {
		let compared = 0;
		for (const call of registryCases(23, 6)) {
			const config = kernelConfig(call.heads, call.kvHeads, call.headDim, 3);
			const ctx = { config, layer: 0, phase: 'decode' as const, queryPositions: call.queryPositions, keyPositions: call.keyPositions, slots: call.S, callPositions: call.queryPositions, rowOffset: 0, window: call.layerWindow };
			const mask = new Uint8Array(call.heads * call.queryPositions.length * call.S);
			call.rules.forEach((rule, h) => {
				const keys = call.keyPositions[Math.floor(h / (call.heads / call.kvHeads))];
				mask.set(ruleMask(rule, call.queryPositions, Int32Array.from({ length: call.S }, (_, s) => (s < keys.length ? keys[s] : Number.MAX_SAFE_INTEGER)), call.layerWindow), h * call.queryPositions.length * call.S);
			});
			let expected: number;
			try {
				expected = attentionBias(ctx, { mask, perHead: true }).bytesRead;
			} catch {
				continue; // A query that sees no key: the engine refuses the call on both paths.
			}
			expect(bytesRead(ctx, call.rules), call.name).toBe(expected);
			compared++;
		}
		expect(compared).toBeGreaterThan(40);
	});
});

describe('rule parts, by hand', () => {
	const positions = Int32Array.from({ length: 8 }, (_, n) => n);
	const picture = (rule: Parameters<typeof ruleMask>[0]) => {
		const mask = ruleMask(rule, positions, positions);
		return Array.from({ length: 8 }, (_, i) => Array.from({ length: i + 1 }, (_, j) => (mask[i * 8 + j] ? '1' : '.')).join(''));
	};

	it('sinks + window, period, verticals and slashes, blocks, row lists', () => {
		expect(picture({ sinks: 1, window: 2 })).toEqual(['1', '11', '111', '1.11', '1..11', '1...11', '1....11', '1.....11']);
		expect(picture({ period: { every: 3, reach: 7 } })).toEqual(['1', '.1', '..1', '1..1', '.1..1', '..1..1', '1..1..1', '.1..1..1']);
		expect(picture({ verticals: [2], slashes: [1] })).toEqual(['.', '1.', '.11', '..1.', '..11.', '..1.1.', '..1..1.', '..1...1.']);
		expect(picture({ blockWindow: { size: 4, blocks: 1 } })).toEqual(['1', '11', '111', '1111', '....1', '....11', '....111', '....1111']);
		expect(picture({ blocks: { size: 4, chosen: (qb) => (qb === 1 ? [0] : []) } })).toEqual(['.', '..', '...', '....', '1111.', '1111..', '1111...', '1111....']);
		expect(picture({ rowSlots: (t) => (t === 5 ? [0, 3] : []) })).toEqual(['.', '..', '...', '....', '.....', '1..1..', '.......', '........']);
	});

	it('the layer window hides what any part shows', () => {
		const mask = ruleMask({ sinks: 8 }, positions, positions, 3);
		expect(Array.from(mask.subarray(7 * 8, 8 * 8))).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
	});
});

describe('packed tables', () => {
	it('hold the positions, key counts and lists where the header says', () => {
		const tables = packTables({ queryPositions: Int32Array.of(5, 6), keyPositions: [Int32Array.of(0, 2, 5, 6), Int32Array.of(1, 6)], S: 4 }, [[{ sinks: 2, window: Infinity, verticals: [9, 3], rowSlots: (t) => [t] }]]);
		const w = Array.from(tables.words);
		expect(w.slice(0, 2)).toEqual([5, 6]);
		expect(w.slice(tables.keyPositionsAt, tables.keyPositionsAt + 8)).toEqual([0, 2, 5, 6, 1, 6, 0, 0]);
		expect(w.slice(tables.keyCountsAt, tables.keyCountsAt + 2)).toEqual([4, 2]);
		const header = w.slice(tables.rulesAt[0], tables.rulesAt[0] + 16);
		expect(header.slice(0, 2)).toEqual([2, 0xffffffff]);
		expect(w.slice(header[6], header[6] + header[7])).toEqual([3, 9]);
		const rows = header[14];
		expect([w[w[rows]], w[w[rows + 1]]]).toEqual([0, 1]);
	});
});

describe('reference attention, by hand', () => {
	it('two keys with scores 0 and ln 3 weigh their values 1 : 3', () => {
		const call = {
			heads: 1, kvHeads: 1, headDim: 1, S: 2, queryPositions: Int32Array.of(1), keyPositions: [Int32Array.of(0, 1)],
			q: Float32Array.of(1), k: Float32Array.of(0, Math.log(3)), v: Float32Array.of(4, 8), rules: [{}], layerWindow: null, softcap: null, slopes: null
		};
		const { out, logSumExp } = referenceAttention(call, () => true);
		expect(out[0]).toBeCloseTo(0.25 * 4 + 0.75 * 8, 6);
		expect(logSumExp[0]).toBeCloseTo(Math.log(4), 6);
	});
});
