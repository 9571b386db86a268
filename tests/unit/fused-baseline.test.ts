import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '$lib/engine/config';
import { Engine } from '$lib/engine/engine';
import { parseSafetensors } from '$lib/engine/safetensors';
import { loadWeights } from '$lib/engine/weights';
import { fusedGraph, ropeTables } from '../../bench/fused-graph';
import { fixtureModel } from '../fixtures/fixture-model';

describe('the benchmark baseline (one fused graph)', () => {
	it('computes the same logits as the engine, so the comparison is fair', async () => {
		const model = fixtureModel({ seed: 11 });
		const config = parseConfig(model.config);
		const weights = loadWeights(parseSafetensors(model.safetensors), config);
		const ids = Array.from({ length: 40 }, (_, i) => (i * 37) % 256);
		const { bytes, externalData } = fusedGraph(config, weights, false);
		const session = await ort.InferenceSession.create(bytes, { externalData });
		const bias = Float32Array.from({ length: 40 * 40 }, (_, i) => (i % 40 <= Math.floor(i / 40) ? 0 : -Infinity));
		const { cos, sin } = ropeTables(config, 0, 40);
		const out = await session.run({
			ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [40]),
			cos: new ort.Tensor('float32', cos, [40, config.headDim]),
			sin: new ort.Tensor('float32', sin, [40, config.headDim]),
			bias: new ort.Tensor('float32', bias, [1, 40, 40])
		});
		const engine = await Engine.load(model.config, model.safetensors);
		const logits = await engine.sequence().prefill(ids);
		const fused = out.logits.data as Float32Array;
		expect(Math.max(...logits.map((v, i) => Math.abs(v - fused[i])))).toBeLessThan(1e-4);
	});
});
