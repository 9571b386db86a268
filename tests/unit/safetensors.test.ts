import { describe, expect, it } from 'vitest';
import { ConfigError, kvBytesPerToken, parameterCount, parseConfig } from '$lib/engine/config';
import { halfToFloat } from '$lib/engine/dtypes';
import { SafetensorsError, memorySource, parseSafetensors, writeSafetensors } from '$lib/engine/safetensors';
import { WeightsError, loadWeights } from '$lib/engine/weights';
import { fixtureModel } from '../fixtures/fixture-model';

/** A safetensors file with the given header object and `dataBytes` zero bytes of data. */
function file(header: unknown, dataBytes: number, headerText = JSON.stringify(header)): Uint8Array {
	const json = new TextEncoder().encode(headerText);
	const out = new Uint8Array(8 + json.byteLength + dataBytes);
	new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
	out.set(json, 8);
	return out;
}
const t = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

describe('safetensors reader', () => {
	it('reads what it writes, in f32, f16 and bf16', () => {
		const data = Float32Array.from([0, 1, -2.5, 65504, 1e-5, 3.140625]);
		for (const dtype of ['F32', 'F16', 'BF16'] as const) {
			const parsed = parseSafetensors(writeSafetensors([{ name: 'w', shape: [2, 3], data, dtype }], { format: 'pt' }));
			expect(parsed.tensors.get('w')).toMatchObject({ dtype, shape: [2, 3] });
			expect(parsed.metadata).toEqual({ format: 'pt' });
			const read = parsed.read('w');
			const tolerance = dtype === 'F32' ? 0 : dtype === 'F16' ? 1e-3 : 1e-2;
			read.forEach((value, i) => expect(Math.abs(value - data[i])).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(data[i]))));
		}
	});

	it('decodes IEEE half floats exactly (values from the IEEE 754 binary16 table)', () => {
		expect(halfToFloat(0x3c00)).toBe(1);
		expect(halfToFloat(0xc000)).toBe(-2);
		expect(halfToFloat(0x7bff)).toBe(65504);
		expect(halfToFloat(0x0001)).toBe(2 ** -24);
		expect(halfToFloat(0x7c00)).toBe(Infinity);
		expect(halfToFloat(0x7e00)).toBeNaN();
	});

	it('reads the header, then only the ranges of the tensors asked for', () => {
		const bytes = writeSafetensors([
			{ name: 'a', shape: [2], data: Float32Array.of(1, 2) },
			{ name: 'b', shape: [3], data: Float32Array.of(3, 4, 5), dtype: 'BF16' }
		]);
		const inner = memorySource(bytes);
		const reads: [number, number][] = [];
		const parsed = parseSafetensors({ size: inner.size, read: (offset, length) => (reads.push([offset, length]), inner.read(offset, length)) });
		const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
		expect(reads).toEqual([[0, 8], [8, headerLength]]);
		expect(Array.from(parsed.read('b'))).toEqual([3, 4, 5]);
		expect(reads.at(-1)).toEqual([8 + headerLength + 8, 6]);
	});

	const cases: [string, Uint8Array, RegExp][] = [
		['a file shorter than the length field', new Uint8Array(5), /5 bytes long/],
		['a header length past the end', (() => { const f = file({}, 0); new DataView(f.buffer).setBigUint64(0, 999n, true); return f; })(), /says 999 bytes, but the file has only 2/],
		['an absurd header length', (() => { const f = file({}, 0); new DataView(f.buffer).setBigUint64(0, 2n ** 40n, true); return f; })(), /not safetensors or is corrupt/],
		['a header that is not JSON', file(null, 0, '{"w": '), /not valid UTF-8 JSON/],
		['a header that is a list', file([1], 0), /must be a JSON object/],
		['an unsupported dtype', file({ w: t('I8', [2], [0, 2]) }, 2), /Tensor "w": dtype "I8" is not supported/],
		['a negative dimension', file({ w: t('F32', [-1], [0, 4]) }, 4), /Tensor "w": shape \[-1\]/],
		['offsets that are not a pair', file({ w: t('F32', [1], [0]) }, 4), /Tensor "w": data_offsets \[0\]/],
		['offsets ending before they begin', file({ w: t('F32', [0], [4, 0]) }, 4), /Tensor "w": data_offsets end \(0\) is before begin \(4\)/],
		['offsets past the data', file({ w: t('F32', [2], [0, 8]) }, 4), /Tensor "w": data_offsets end at byte 8, past the end of the data \(4 bytes\)/],
		['shape × dtype ≠ byte span', file({ w: t('F16', [3], [0, 4]) }, 4), /Tensor "w": shape \[3\] of F16 needs 6 bytes, but its data_offsets span 4/],
		['overlapping tensors', file({ a: t('F32', [2], [0, 8]), b: t('F32', [2], [4, 12]) }, 12), /Tensors "a" and "b" overlap/],
		['bad metadata', file({ __metadata__: { n: 1 } }, 0), /__metadata__/],
		['bytes the tensors do not cover', file({ w: t('F32', [1], [0, 4]) }, 8), /The tensors cover 4 bytes of data, but the file holds 8 after the header/],
		['a gap between tensors', file({ a: t('F32', [1], [0, 4]), b: t('F32', [1], [8, 12]) }, 12), /The tensors cover 8 bytes of data, but the file holds 12/]
	];
	it.each(cases)('rejects %s with a clear error', (_name, bytes, message) => {
		expect(() => parseSafetensors(bytes)).toThrow(SafetensorsError);
		expect(() => parseSafetensors(bytes)).toThrow(message);
	});
});

describe('model config and weights', () => {
	const model = fixtureModel();

	it('reads a Hugging Face Llama config', () => {
		const config = parseConfig(model.config);
		expect(config).toMatchObject({ layers: 2, heads: 4, kvHeads: 2, headDim: 8, vocabSize: 259, positionEncoding: 'rope', tokenizer: 'bytes', bosTokenId: 256 });
		// 2 layers · 2 KV heads · 8 dims · (K and V) · 4 bytes
		expect(kvBytesPerToken(config)).toBe(2 * 2 * 8 * 2 * 4);
	});

	it('counts SmolLM2-135M\'s published 134.5M parameters from its config', () => {
		const smol = parseConfig({ hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3, vocab_size: 49152, tie_word_embeddings: true });
		expect(parameterCount(smol)).toBe(134_515_008);
	});

	it.each([
		[{ ...model.config, num_hidden_layers: 0 }, /num_hidden_layers/],
		[{ ...model.config, num_key_value_heads: 3 }, /4 attention heads cannot be shared by 3/],
		[{ ...model.config, model_type: 'bert' }, /model_type "bert" is not supported yet \(supported: .*gpt2.*\)/],
		[{ ...model.config, hidden_act: 'gelu' }, /hidden_act "gelu"/],
		[{ ...model.config, rope_scaling: { type: 'ntk', factor: 2 } }, /"rope_scaling.type" is "ntk", which the lab does not run \(supported: default, linear, dynamic, yarn, llama3, longrope\)/],
		['not an object', /\(root\)/]
	])('rejects a bad config clearly (%#)', (config, message) => {
		expect(() => parseConfig(config)).toThrow(ConfigError);
		expect(() => parseConfig(config)).toThrow(message);
	});

	it('names the tensor that is missing or has the wrong shape', () => {
		const config = parseConfig({ ...model.config, hidden_size: 40, head_dim: 10 });
		expect(() => loadWeights(parseSafetensors(model.safetensors), config)).toThrow(WeightsError);
		expect(() => loadWeights(parseSafetensors(model.safetensors), config)).toThrow(/Tensor "model.layers.0.input_layernorm.weight" has shape \[32\]; config.json implies \[40\]/);
		const tied = parseConfig({ ...model.config, tie_word_embeddings: false, attention_bias: true });
		expect(() => loadWeights(parseSafetensors(model.safetensors), tied)).toThrow(/no tensor "model.layers.0.self_attn.q_proj.bias" \(expected shape \[32\]\)/);
	});
});
