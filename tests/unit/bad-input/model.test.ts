/**
 * Bad models: each row is a model a user could drop in (a broken download, a mismatched config,
 * a hostile file), built from the seeded tiny-gqa fixture, and the error it must be refused with:
 * its class, and a message that names the tensor, field or mismatch so the user can act on it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadModelDir } from '../../../src/cli/model-dir';
import { Engine } from '$lib/engine/engine';
import { readModelFiles } from '$lib/engine/model-files';
import { parseSafetensors, writeSafetensors, type Dtype } from '$lib/engine/safetensors';

const FIXTURE = 'tests/fixtures/tiny-gqa';
const CONFIG = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>;
const BYTES = new Uint8Array(readFileSync(join(FIXTURE, 'model.safetensors')));

/** A model in memory (the browser's bundles and the tests), in a directory (the CLI), or picked files (the browser). */
type Input = { config: unknown; safetensors: Uint8Array; maxWeightBytes?: number } | { dir: string } | { files: File[] };

interface BadModel {
	name: string;
	build: () => Input;
	error: 'SafetensorsError' | 'WeightsError' | 'ConfigError' | 'ModelDirError' | 'ModelFilesError';
	message: RegExp;
}

type Tensor = { name: string; shape: number[]; dtype: Dtype; data: Float32Array };

function tensors(bytes = BYTES): Tensor[] {
	const file = parseSafetensors(bytes);
	return [...file.tensors.values()].map(({ name, shape, dtype }) => ({ name, shape, dtype, data: file.read(name) }));
}

/** The fixture with its tensors edited and written again (a well-formed file with bad contents). */
function edited(edit: (tensors: Tensor[]) => Tensor[] | void, config: unknown = CONFIG): Input {
	const list = tensors();
	return { config, safetensors: writeSafetensors(edit(list) ?? list) };
}

const named = (list: Tensor[], name: string) => list.find((t) => t.name === name)!;

/** A safetensors file from a header (object or raw text) and data bytes. */
function assemble(header: unknown, data: Uint8Array, headerBytes = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header))): Uint8Array {
	const out = new Uint8Array(8 + headerBytes.byteLength + data.byteLength);
	new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
	out.set(headerBytes, 8);
	out.set(data, 8 + headerBytes.byteLength);
	return out;
}

const HEADER_LENGTH = Number(new DataView(BYTES.buffer, BYTES.byteOffset).getBigUint64(0, true));
const DATA = BYTES.subarray(8 + HEADER_LENGTH);
type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };

/** The fixture's header edited in place, over the fixture's own data. */
function header(edit: (entries: Record<string, Entry>) => void, data = DATA): Input {
	const entries = JSON.parse(new TextDecoder().decode(BYTES.subarray(8, 8 + HEADER_LENGTH)));
	edit(entries);
	return { config: CONFIG, safetensors: assemble(entries, data) };
}

/** The fixture's file with its first bytes overwritten. */
function patched(at: number, bytes: Uint8Array | bigint): Input {
	const out = BYTES.slice();
	if (typeof bytes === 'bigint') new DataView(out.buffer).setBigUint64(at, bytes, true);
	else out.set(bytes, at);
	return { config: CONFIG, safetensors: out };
}

const config = (changes: Record<string, unknown>): Input => ({ config: { ...CONFIG, ...changes }, safetensors: BYTES });

const root = mkdtempSync(join(tmpdir(), 'longscope-bad-model-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** A model directory whose files are written by `make` (given the directory's path). */
function directory(make: (dir: string) => void): Input {
	const dir = join(root, String(dirs++));
	mkdirSync(dir);
	make(dir);
	return { dir };
}
const withConfig = (dir: string, text = JSON.stringify(CONFIG)) => writeFileSync(join(dir, 'config.json'), text);

const picked = (configText: string, weights: Uint8Array): Input => ({
	files: [new File([configText], 'config.json'), new File([weights as Uint8Array<ArrayBuffer>], 'model.safetensors')]
});

const LONG_NAME = `evil\u202e${'x'.repeat(5000)}`;

const BAD_MODELS: BadModel[] = [
	// The header: the file's first 8 bytes and the JSON they frame.
	{ name: 'a file shorter than the length field', build: () => ({ config: CONFIG, safetensors: BYTES.slice(0, 5) }), error: 'SafetensorsError', message: /The file is 5 bytes long/ },
	{ name: 'a header length larger than the file', build: () => patched(0, BigInt(BYTES.byteLength)), error: 'SafetensorsError', message: new RegExp(`says ${BYTES.byteLength} bytes, but the file has only ${BYTES.byteLength - 8} after it`) },
	{ name: 'an absurd header length', build: () => patched(0, 2n ** 62n), error: 'SafetensorsError', message: /says 4611686018427387904 bytes, more than a model's header needs \(4194304\): the file is not safetensors or is corrupt/ },
	{ name: 'a header that is not JSON', build: () => patched(8, new TextEncoder().encode('{{')), error: 'SafetensorsError', message: /header is not valid UTF-8 JSON/ },
	{ name: 'a header that is not UTF-8', build: () => patched(9, Uint8Array.of(0xff, 0xfe)), error: 'SafetensorsError', message: /header is not valid UTF-8 JSON/ },
	{ name: 'a header that is a list', build: () => ({ config: CONFIG, safetensors: assemble([1, 2], new Uint8Array()) }), error: 'SafetensorsError', message: /header must be a JSON object/ },
	{ name: 'metadata that is not strings', build: () => header((h) => void ((h as Record<string, unknown>).__metadata__ = { steps: 3 })), error: 'SafetensorsError', message: /"__metadata__" must map names to strings/ },

	// Each tensor's entry, checked against the data before any is read.
	{ name: 'offsets past the end of the file', build: () => header((h) => void (h['lm_head.weight'].data_offsets[1] += 4)), error: 'SafetensorsError', message: /Tensor "lm_head.weight": data_offsets end at byte \d+, past the end of the data \(\d+ bytes\)/ },
	{ name: 'a file cut short (a broken download)', build: () => ({ config: CONFIG, safetensors: BYTES.subarray(0, BYTES.byteLength - 100) }), error: 'SafetensorsError', message: /Tensor "lm_head.weight": data_offsets end at byte \d+, past the end of the data/ },
	{ name: 'bytes after the last tensor', build: () => ({ config: CONFIG, safetensors: assemble(new TextDecoder().decode(BYTES.subarray(8, 8 + HEADER_LENGTH)), new Uint8Array([...DATA, 0, 0, 0, 0])) }), error: 'SafetensorsError', message: new RegExp(`tensors cover ${DATA.byteLength} bytes of data, but the file holds ${DATA.byteLength + 4} after the header`) },
	{ name: 'an unsupported dtype', build: () => header((h) => void (h['model.norm.weight'].dtype = 'I64')), error: 'SafetensorsError', message: /Tensor "model.norm.weight": dtype "I64" is not supported/ },
	{ name: 'a shape that disagrees with its byte span', build: () => header((h) => void (h['model.norm.weight'].shape = [33])), error: 'SafetensorsError', message: /Tensor "model.norm.weight": shape \[33\] of F32 needs 132 bytes, but its data_offsets span 128/ },
	{ name: 'a fractional dimension', build: () => header((h) => void (h['model.norm.weight'].shape = [31.5])), error: 'SafetensorsError', message: /Tensor "model.norm.weight": shape \[31.5\] is not a list of non-negative integers/ },
	{ name: 'overlapping tensors', build: () => header((h) => void (h['model.norm.weight'].data_offsets = [0, 128])), error: 'SafetensorsError', message: /Tensors "model.embed_tokens.weight" and "model.norm.weight" overlap/ },
	{ name: 'a long name with a bidi override, quoted short', build: () => header((h) => void (h[LONG_NAME] = { dtype: 'I8', shape: [0], data_offsets: [0, 0] })), error: 'SafetensorsError', message: /^Tensor "evil\\u\{202E\}x{34}…": dtype "I8" is not supported/ },

	// The tensors against the config.
	{ name: 'a missing tensor', build: () => edited((list) => list.filter((t) => t.name !== 'model.layers.1.mlp.down_proj.weight')), error: 'WeightsError', message: /model.safetensors has no tensor "model.layers.1.mlp.down_proj.weight" \(expected shape \[32, 48\]\)/ },
	{ name: 'a transposed projection', build: () => edited((list) => void (named(list, 'model.layers.0.mlp.up_proj.weight').shape = [32, 48])), error: 'WeightsError', message: /Tensor "model.layers.0.mlp.up_proj.weight" has shape \[32, 48\]; config.json implies \[48, 32\]/ },
	{ name: 'a config naming fewer layers than the file holds', build: () => config({ num_hidden_layers: 1 }), error: 'WeightsError', message: /model.safetensors holds 2 layers, but config.json names 1 \(num_hidden_layers\)/ },
	{ name: 'a config naming more layers than the file holds', build: () => config({ num_hidden_layers: 3 }), error: 'WeightsError', message: /has no tensor "model.layers.2.input_layernorm.weight"/ },
	{ name: 'weights beyond the memory plan', build: () => ({ config: CONFIG, safetensors: BYTES, maxWeightBytes: 2 ** 16 }), error: 'WeightsError', message: /^The weights \(93\.0 KiB as f32\) need \d+\.\d KiB while they load \(.*\), more than the 64\.0 KiB this runtime can give them; load a smaller model\.$/ },

	// The weights' values, checked as each tensor is converted.
	{ name: 'a NaN weight', build: () => edited((list) => void (named(list, 'model.layers.1.mlp.up_proj.weight').data[7] = NaN)), error: 'WeightsError', message: /Tensor "model.layers.1.mlp.up_proj.weight" holds NaN at index 7 \(of 1536\)/ },
	{ name: 'an infinite weight', build: () => edited((list) => void (named(list, 'model.norm.weight').data[31] = Infinity)), error: 'WeightsError', message: /Tensor "model.norm.weight" holds Infinity at index 31 \(of 32\)/ },
	{ name: 'a -Inf in a float16 file', build: () => edited((list) => list.map((t) => ({ ...t, dtype: 'F16', data: t.name === 'lm_head.weight' ? t.data.map((x, i) => (i === 100 ? -Infinity : x)) : t.data }))), error: 'WeightsError', message: /Tensor "lm_head.weight" holds -Infinity at index 100/ },
	{ name: 'a bfloat16 NaN in the embeddings', build: () => edited((list) => list.map((t) => ({ ...t, dtype: 'BF16', data: t.name === 'model.embed_tokens.weight' ? t.data.map((x, i) => (i === 0 ? NaN : x)) : t.data }))), error: 'WeightsError', message: /Tensor "model.embed_tokens.weight" holds NaN at index 0/ },

	// The config's sizes and ids.
	{ name: '5e9 layers', build: () => config({ num_hidden_layers: 5e9 }), error: 'ConfigError', message: /"num_hidden_layers" is 5000000000, more than the 1024 the lab allows/ },
	{ name: 'a huge hidden size', build: () => config({ hidden_size: 2 ** 20 }), error: 'ConfigError', message: /"hidden_size" is 1048576, more than the 65536 the lab allows/ },
	{ name: 'too many heads', build: () => config({ num_attention_heads: 4096 }), error: 'ConfigError', message: /"num_attention_heads" is 4096, more than the 1024 the lab allows/ },
	{ name: 'a huge vocabulary', build: () => config({ vocab_size: 2 ** 30 }), error: 'ConfigError', message: /"vocab_size" is 1073741824, more than the 4194304 the lab allows/ },
	{ name: 'a huge MLP', build: () => config({ intermediate_size: 1e12 }), error: 'ConfigError', message: /"intermediate_size" is 1000000000000, more than the 1048576 the lab allows/ },
	{ name: 'a huge context', build: () => config({ max_position_embeddings: 1e15 }), error: 'ConfigError', message: /"max_position_embeddings" is 1000000000000000, more than the 16777216 the lab allows/ },
	{ name: 'a BOS id outside the vocabulary', build: () => config({ bos_token_id: 259 }), error: 'ConfigError', message: /bos_token_id 259 is outside the vocabulary of 259 tokens \(ids 0–258\)/ },
	{ name: 'an EOS id outside the vocabulary', build: () => config({ eos_token_id: [257, 70000] }), error: 'ConfigError', message: /eos_token_id 70000 is outside the vocabulary of 259 tokens/ },
	{ name: 'a string for a size', build: () => config({ hidden_size: '32' }), error: 'ConfigError', message: /"hidden_size" invalid input: expected number, received string/ },
	{ name: 'a long model type, quoted short', build: () => config({ model_type: `<img src=x onerror=alert(1)>${'y'.repeat(100)}` }), error: 'ConfigError', message: /model_type "<img src=x onerror=alert\(1\)>y{11}…" is not supported yet/ },

	// The CLI's model directory: files that are not files, or not there.
	{ name: 'a directory without files', build: () => directory(() => {}), error: 'ModelDirError', message: /has no config.json; a model directory holds config.json and model.safetensors/ },
	{ name: 'a directory without weights', build: () => directory((dir) => withConfig(dir)), error: 'ModelDirError', message: /has no model.safetensors/ },
	{ name: 'an invalid JSON config', build: () => directory((dir) => withConfig(dir, '{"hidden_size": 32,')), error: 'ModelDirError', message: /config.json is not valid JSON/ },
	{ name: 'a config symlinked to /dev/zero', build: () => directory((dir) => symlinkSync('/dev/zero', join(dir, 'config.json'))), error: 'ModelDirError', message: /config.json is a character device, not a regular file/ },
	{ name: 'weights symlinked to /dev/zero', build: () => directory((dir) => (withConfig(dir), symlinkSync('/dev/zero', join(dir, 'model.safetensors')))), error: 'ModelDirError', message: /model.safetensors is a character device, not a regular file/ },
	{ name: 'weights that are a FIFO (would block a reader)', build: () => directory((dir) => (withConfig(dir), execFileSync('mkfifo', [join(dir, 'model.safetensors')]))), error: 'ModelDirError', message: /model.safetensors is a pipe, not a regular file/ },
	{ name: 'weights that are a directory', build: () => directory((dir) => (withConfig(dir), mkdirSync(join(dir, 'model.safetensors')))), error: 'ModelDirError', message: /model.safetensors is a directory, not a regular file/ },
	{ name: 'a NaN weight read from disk', build: () => directory((dir) => { withConfig(dir); const { safetensors } = edited((list) => void (named(list, 'model.layers.0.self_attn.k_proj.weight').data[3] = NaN)) as { safetensors: Uint8Array }; writeFileSync(join(dir, 'model.safetensors'), safetensors); }), error: 'WeightsError', message: /Tensor "model.layers.0.self_attn.k_proj.weight" holds NaN at index 3/ },

	// The browser's picked files, checked header-first.
	{ name: 'picked weights whose header length is larger than the file', build: () => picked(JSON.stringify(CONFIG), (patched(0, 10n ** 6n) as { safetensors: Uint8Array }).safetensors), error: 'SafetensorsError', message: /says 1000000 bytes, but the file has only/ },
	{ name: 'a picked config that is not JSON', build: () => picked('{"hidden_size":', BYTES), error: 'ModelFilesError', message: /config.json is not valid JSON/ },
	{ name: 'a picked config with fewer layers', build: () => picked(JSON.stringify({ ...CONFIG, num_hidden_layers: 1 }), BYTES), error: 'WeightsError', message: /holds 2 layers, but config.json names 1/ }
];

async function load(input: Input): Promise<unknown> {
	if ('dir' in input) return loadModelDir(input.dir);
	if ('files' in input) return readModelFiles(input.files);
	return Engine.load(input.config, input.safetensors, { maxWeightBytes: input.maxWeightBytes });
}

describe('bad model inputs are refused with a clear error', () => {
	it('covers at least 25 inputs, each named once', () => {
		expect(BAD_MODELS.length).toBeGreaterThanOrEqual(25);
		expect(new Set(BAD_MODELS.map((m) => m.name)).size).toBe(BAD_MODELS.length);
	});

	it.each(BAD_MODELS)('$name → $error', async ({ build, error, message }) => {
		const failure = await load(build()).then(
			() => new Error('loaded'),
			(e: unknown) => e as Error
		);
		expect(failure.name).toBe(error);
		expect(failure.message).toMatch(message);
		// One sentence that ends, not a dump of the input.
		expect(failure.message.length).toBeLessThan(240);
	});

	it('reads no weights from a picked file whose header is refused', async () => {
		const input = picked(JSON.stringify({ ...CONFIG, num_hidden_layers: 1 }), BYTES) as { files: File[] };
		const read = vi.spyOn(input.files[1], 'arrayBuffer');
		await expect(readModelFiles(input.files)).rejects.toThrow(/holds 2 layers/);
		expect(read).not.toHaveBeenCalled();
	});

	it('still loads the fixture itself, from memory, from disk and from picked files', async () => {
		await (await Engine.load(CONFIG, BYTES)).release();
		await (await loadModelDir(FIXTURE)).release();
		const files = await readModelFiles((picked(JSON.stringify(CONFIG), BYTES) as { files: File[] }).files);
		expect(files.safetensors).toEqual(BYTES);
	}, 60_000);
});
