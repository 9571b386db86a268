/**
 * The memory plan refuses, with its numbers and what to change, a model whose weights cannot fit
 * the runtime (before a byte of them is read) and a context or a prefill chunk that cannot fit
 * (before it runs). Real checkpoints' shapes come from their config.json (the cost presets) as
 * headers alone.
 */
import { describe, expect, it } from 'vitest';
import { findModelPreset } from '$lib/cost';
import type { ModelConfig } from '$lib/engine/config';
import { DTYPE_BYTES, type Dtype } from '$lib/engine/dtypes';
import { Engine, EngineError } from '$lib/engine/engine';
import { callRefusal, planContext, wasmLimits, webgpuLimits, weightMemory, type ModelMemory } from '$lib/engine/memory-plan';
import type { SafetensorsHeader, TensorEntry } from '$lib/engine/safetensors';
import { tables } from '$lib/engine/tensor-names';
import { WeightsError, fittingWeights, planWeights } from '$lib/engine/weights';
import { fixtureModel } from '../fixtures/fixture-model';

const GiB = 2 ** 30;
const preset = (id: string) => findModelPreset(id)!.config;

/** The header of a checkpoint of `config` with every tensor in `dtype`, named as Hugging Face names them. */
function checkpoint(config: ModelConfig, dtype: Dtype): SafetensorsHeader {
	const { layers, top, lmHead } = tables({ tensors: new Map(), metadata: {} }, config);
	const sources = [...layers.flatMap((table) => Object.values(table)), top.embed, top.positions, top.norm, top.normBias, lmHead];
	const shapes = new Map(sources.flatMap((source) => (source ? [source.tensor] : [])));
	let offset = 0;
	const tensors = new Map<string, TensorEntry>();
	for (const [name, shape] of shapes) {
		const begin = offset;
		offset += shape.reduce((a, b) => a * b, DTYPE_BYTES[dtype]);
		tensors.set(name, { name, dtype, shape, begin, end: offset });
	}
	return { tensors, metadata: {} };
}

/** A WebGPU device's limits and features, as onnxruntime's device reports them. */
const gpu = (binding: number, f16: boolean) => webgpuLimits({ limits: { maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: binding }, features: new Set(f16 ? ['shader-f16'] : []) });

describe('weights that cannot fit are refused before they are read, with their numbers', () => {
	const llama1b = preset('llama-3.2-1b');
	const header = checkpoint(llama1b, 'BF16');

	it('Llama-3.2-1B (4.6 GiB as f32) does not fit wasm32\'s heap: load a smaller model', () => {
		expect(() => planWeights(header, llama1b)).toThrow(WeightsError);
		expect(() => planWeights(header, llama1b)).toThrow(
			/^The weights need 5\.\d GiB of onnxruntime's heap \(4\.6 GiB as f32, packed for its kernels, and a session's copies while it is created\), more than the 4\.0 GiB its wasm32 heap can hold; load a smaller model\.$/
		);
		// SmolLM2-135M does.
		expect(() => planWeights(checkpoint(preset('smollm2-135m'), 'BF16'), preset('smollm2-135m'))).not.toThrow();
	});

	it('on WebGPU with shader-f16 its matrices stay f16 on the GPU: 2.3 GiB, which loads', () => {
		const memory = fittingWeights(header, llama1b, gpu(2 * GiB, true));
		expect(memory.halfMatrices).toBe(true);
		const held = memory.sessions.reduce((a, b) => a + b, 0);
		expect(held / GiB).toBeCloseTo(2.3, 1);
		// Without shader-f16, or from an f32 checkpoint, every weight is f32.
		expect(weightMemory(header, llama1b, gpu(2 * GiB, false)).halfMatrices).toBe(false);
		expect(weightMemory(checkpoint(llama1b, 'F32'), llama1b, gpu(2 * GiB, true)).halfMatrices).toBe(false);
	});

	it('a GPU that binds 128 MiB at once cannot hold its embedding matrix: run on WASM', () => {
		expect(() => fittingWeights(header, llama1b, gpu(128 * 2 ** 20, true))).toThrow(
			/^The weight model\.embed_tokens\.weight takes 1002\.0 MiB as f32, more than the 128\.0 MiB this GPU binds at once \(maxStorageBufferBindingSize\); load a smaller model, or run on WASM\.$/
		);
	});
});

describe('a context or a chunk that cannot fit is refused before it runs, saying what fits', () => {
	const smol = preset('smollm2-135m');
	const loaded = (limits = wasmLimits()): ModelMemory => ({ config: smol, weights: weightMemory(checkpoint(smol, 'BF16'), smol, limits), limits });

	it('a context whose KV cache and attention exceed a browser tab: the longest that fits, exactly', () => {
		const memory = loaded();
		const plan = planContext(memory, 100_000, 99_000);
		expect(plan).toHaveProperty('refusal');
		const { refusal } = plan as { refusal: string };
		const [, kv, fitting] = /^A 100000-token context needs (\d+\.\d) GiB for its KV cache and, for each call's attention, .* more than its 6\.0 GiB; choose a context of at most (\d+) tokens, or a smaller model\.$/.exec(refusal)!;
		// 1.5 × 2 · 30 layers · 3 KV heads · 64 dims · 4 bytes, for the 131 072 entries the cache grows to.
		expect(Number(kv)).toBeCloseTo((1.5 * 46_080 * 131_072) / GiB, 1);
		expect(planContext(memory, Number(fitting), 100)).toHaveProperty('chunk');
		expect(planContext(memory, Number(fitting) + 1, 100)).toHaveProperty('refusal');
	});

	it('Node\'s larger budget fits a longer context', () => {
		const tab = planContext(loaded(), 100_000, 100);
		const node = planContext(loaded(wasmLimits(12 * GiB)), 100_000, 100);
		expect(tab).toHaveProperty('refusal');
		expect(node).toHaveProperty('chunk');
	});

	it('a prefill chunk whose score block cannot fit: a smaller chunk, the largest that fits', () => {
		const memory = loaded();
		const refusal = callRefusal(memory, 16_384, 16_384)!;
		const [, fitting] = /^A prefill chunk of 16384 rows in a 16384-token context needs .* more than its 4\.0 GiB; use a smaller prefill chunk \(at most (\d+) rows fit\)\.$/.exec(refusal)!;
		expect(callRefusal(memory, Number(fitting), 16_384)).toBeNull();
		expect(callRefusal(memory, Number(fitting) + 1, 16_384)).not.toBeNull();
	});

	it('the engine refuses such a chunk before running it, and runs the chunk it names', async () => {
		const model = fixtureModel();
		const engine = await Engine.load(model.config, model.safetensors, { maxWeightBytes: 64 * 2 ** 20 });
		const ids = Array.from({ length: 2048 }, (_, i) => i % 256);
		const failure = await engine.sequence().prefill(ids).catch((e: Error) => e);
		expect(failure).toBeInstanceOf(EngineError);
		const [, fitting] = /more than its 64\.0 MiB; use a smaller prefill chunk \(at most (\d+) rows fit\)\.$/.exec((failure as Error).message)!;
		await expect(engine.sequence().prefill(ids, { chunkSize: Number(fitting) })).resolves.toHaveLength(259);
		await engine.release();
	}, 60_000);
});
