/**
 * A bad model file is refused from its header, before its data is read: a child process loads
 * each through the CLI's loader and reports its own peak resident memory. The big files are
 * sparse (truncated to size), so they take no disk.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelDir, openFileSource } from '../../src/cli/model-dir';
import { parseSafetensors } from '$lib/engine/safetensors';

const FIXTURE = 'tests/fixtures/tiny-gqa';
const CONFIG = readFileSync(join(FIXTURE, 'config.json'), 'utf8');
const BYTES = readFileSync(join(FIXTURE, 'model.safetensors'));
const FIXTURE_HEADER: Record<string, { dtype: string; shape: number[] }> = JSON.parse(BYTES.subarray(8, 8 + Number(BYTES.readBigUInt64LE(0))).toString());
const GiB = 2 ** 30;
/** Node, tsx and onnxruntime-web take about 100 MB before a byte of the model is read. */
const MAX_RSS_KIB = 200 * 1024;

const root = mkdtempSync(join(tmpdir(), 'longscope-model-memory-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A model directory with the fixture's config and a `model.safetensors` of `size` bytes that starts with `head`. */
function modelDir(name: string, head: Uint8Array, size: number, config = CONFIG): string {
	const dir = join(root, name);
	mkdirSync(dir);
	writeFileSync(join(dir, 'config.json'), config);
	const file = join(dir, 'model.safetensors');
	writeFileSync(file, head);
	truncateSync(file, size);
	return dir;
}

/** A header's 8-byte length and JSON, with its tensors laid end to end; returns the bytes and the file's full size. */
function header(tensors: [name: string, dtype: 'F32' | 'BF16', shape: number[]][]): { head: Uint8Array; size: number; dataStart: number } {
	const entries: Record<string, unknown> = {};
	let offset = 0;
	for (const [name, dtype, shape] of tensors) {
		const bytes = shape.reduce((a, b) => a * b, dtype === 'F32' ? 4 : 2);
		entries[name] = { dtype, shape, data_offsets: [offset, offset + bytes] };
		offset += bytes;
	}
	const json = Buffer.from(JSON.stringify(entries));
	const head = Buffer.alloc(8 + json.byteLength);
	head.writeBigUInt64LE(BigInt(json.byteLength));
	json.copy(head, 8);
	return { head, size: head.byteLength + offset, dataStart: head.byteLength };
}

/** A Llama checkpoint's tensors for `config` (config.json's fields), in bf16. */
function llamaTensors(config: Record<string, number>): [string, 'BF16', number[]][] {
	const { hidden_size: d, intermediate_size: f, vocab_size: v, head_dim: hd, num_attention_heads: h, num_key_value_heads: kv } = config;
	const layers = Array.from({ length: config.num_hidden_layers }, (_, l): [string, 'BF16', number[]][] => {
		const p = `model.layers.${l}.`;
		return [
			[`${p}input_layernorm.weight`, 'BF16', [d]],
			[`${p}self_attn.q_proj.weight`, 'BF16', [h * hd, d]],
			[`${p}self_attn.k_proj.weight`, 'BF16', [kv * hd, d]],
			[`${p}self_attn.v_proj.weight`, 'BF16', [kv * hd, d]],
			[`${p}self_attn.o_proj.weight`, 'BF16', [d, h * hd]],
			[`${p}post_attention_layernorm.weight`, 'BF16', [d]],
			[`${p}mlp.gate_proj.weight`, 'BF16', [f, d]],
			[`${p}mlp.up_proj.weight`, 'BF16', [f, d]],
			[`${p}mlp.down_proj.weight`, 'BF16', [d, f]]
		];
	});
	const lmHead: [string, 'BF16', number[]][] = config.tie_word_embeddings ? [] : [['lm_head.weight', 'BF16', [v, d]]];
	return [['model.embed_tokens.weight', 'BF16', [v, d]], ...layers.flat(), ['model.norm.weight', 'BF16', [d]], ...lmHead];
}

/** Loads `dir` through the CLI's loader in a fresh Node and returns what it threw and its own peak RSS. */
function loadInChild(dir: string): { error: string; message: string; maxRssKiB: number; ms: number } {
	const script = `
		import { register } from 'tsx/esm/api';
		register();
		const { loadModelDir } = await import('./src/cli/model-dir.ts');
		const start = performance.now();
		let error = 'none', message = '';
		try { await loadModelDir(process.argv[1]); } catch (e) { error = e.name; message = e.message; }
		console.log(JSON.stringify({ error, message, maxRssKiB: process.resourceUsage().maxRSS, ms: Math.round(performance.now() - start) }));`;
	const out = execFileSync('node', ['--input-type=module', '-e', script, dir], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
	return JSON.parse(out.trim().split('\n').at(-1)!);
}

describe('a bad model file is refused before its data is read', () => {
	const length = (n: number) => {
		const head = Buffer.alloc(8);
		head.writeBigUInt64LE(BigInt(n));
		return head;
	};
	// 1.9 GB of zeros after a length field claiming a 1 000-byte header (the fuzzer's case peaked at 4 GB).
	const junk = () => modelDir('junk', length(1000), 1.9e9);
	// Every tensor the config needs, but an embedding 65 536 times too wide: 2.2 GB of data.
	const mismatched = () => {
		const tensors = Object.entries(FIXTURE_HEADER)
			.filter(([name]) => name !== '__metadata__')
			.map(([name, { shape }]): [string, 'F32', number[]] => [name, 'F32', name === 'model.embed_tokens.weight' ? [shape[0], 2 ** 21] : shape]);
		const { head, size } = header(tensors);
		return modelDir('mismatched', head, size);
	};
	// The largest header allowed (4 MiB), of tiny entries: parsed JSON is many times its size.
	const manyEntries = () => {
		const tensors = Array.from({ length: 60_000 }, (_, i): [string, 'F32', number[]] => [`t${i}`, 'F32', [0]]);
		const { head, size } = header(tensors);
		return modelDir('many-entries', head, size);
	};
	const devZero = () => {
		const dir = join(root, 'dev-zero');
		mkdirSync(dir);
		writeFileSync(join(dir, 'config.json'), CONFIG);
		symlinkSync('/dev/zero', join(dir, 'model.safetensors'));
		return dir;
	};

	it.each([
		['1.9 GB of junk', junk, 'SafetensorsError', /The header is not valid UTF-8 JSON/],
		['2.2 GB of weights that do not match the config', mismatched, 'WeightsError', /Tensor "model.embed_tokens.weight" has shape \[259, 2097152\]; config.json implies \[259, 32\]/],
		['a 4 MiB header of 60 000 empty tensors', manyEntries, 'WeightsError', /has no tensor "model.layers.0.input_layernorm.weight"/],
		['a symlink to /dev/zero', devZero, 'ModelDirError', /is a character device, not a regular file/]
	])('%s: refused with a named error, the child peaking under 200 MB', (_name, build, error, message) => {
		const result = loadInChild(build());
		expect(result.error).toBe(error);
		expect(result.message).toMatch(message);
		expect(result.maxRssKiB).toBeLessThan(MAX_RSS_KIB);
	}, 60_000);
});

describe('a model file over 2 GiB in Node', () => {
	it('is read one tensor at a time, from past the 2 GiB mark', () => {
		const { head, size, dataStart } = header([
			['pad', 'F32', [GiB / 2 + 2]],
			['w', 'F32', [4]]
		]);
		const dir = modelDir('over-2gib', head, size);
		const path = join(dir, 'model.safetensors');
		const fd = openSync(path, 'r+');
		writeSync(fd, new Uint8Array(Float32Array.of(1, -2, 3.5, 4).buffer), 0, 16, dataStart + 2 * GiB + 8);
		closeSync(fd);
		expect(size).toBeGreaterThan(2 * GiB);

		const source = openFileSource(path);
		try {
			const file = parseSafetensors(source);
			expect(file.tensors.get('w')).toMatchObject({ begin: 2 * GiB + 8, end: 2 * GiB + 24 });
			expect(Array.from(file.read('w'))).toEqual([1, -2, 3.5, 4]);
		} finally {
			source.close();
		}
	});

	it('is refused by the memory plan before its data is read, naming wasm32\'s heap, when its weights cannot fit it', async () => {
		// Tied embeddings of 2^22 tokens by 512: 8 GiB as f32 in the head's session, far past onnxruntime's 4 GiB heap.
		const config = { ...JSON.parse(CONFIG), num_hidden_layers: 1, hidden_size: 512, num_attention_heads: 4, num_key_value_heads: 4, head_dim: 128, intermediate_size: 64, vocab_size: 2 ** 22, tie_word_embeddings: true };
		const { head, size } = header(llamaTensors(config));
		const dir = modelDir('too-big', head, size, JSON.stringify(config));
		await expect(loadModelDir(dir)).rejects.toMatchObject({
			name: 'WeightsError',
			message: expect.stringMatching(/^The weights need 16\.\d GiB of onnxruntime's heap \(8\.\d GiB as f32, .*\), more than the 4\.0 GiB its wasm32 heap can hold; load a smaller model\.$/)
		});
	});
});

describe('a bf16 model\'s weights in Node', () => {
	/** Loads `dir` in a fresh Node after onnxruntime has started (its code and first heap are not the model's); the growth that load brings. */
	function loadGrowth(dir: string): { rss: number; arrayBuffers: number } {
		const script = `
			import { register } from 'tsx/esm/api';
			register();
			const { loadModelDir } = await import('./src/cli/model-dir.ts');
			const settle = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); globalThis.gc(); };
			await (await loadModelDir('${FIXTURE}')).release();
			await settle();
			const before = process.memoryUsage();
			const engine = await loadModelDir(process.argv[1]);
			await settle();
			const after = process.memoryUsage();
			console.log(JSON.stringify({ rss: after.rss - before.rss, arrayBuffers: after.arrayBuffers - before.arrayBuffers }));`;
		const out = execFileSync('node', ['--expose-gc', '--input-type=module', '-e', script, dir], { cwd: process.cwd(), encoding: 'utf8', timeout: 180_000 });
		return JSON.parse(out.trim().split('\n').at(-1)!);
	}

	it('load without an f32 copy in JavaScript, the process growing by little more than onnxruntime\'s f32 sessions', () => {
		// 68 M parameters: 272 MB as f32, a 136 MB file (sparse: its zeros take no disk).
		const config = { ...JSON.parse(CONFIG), num_hidden_layers: 4, hidden_size: 1024, num_attention_heads: 16, num_key_value_heads: 16, head_dim: 64, intermediate_size: 2816, vocab_size: 8192 };
		const tensors = llamaTensors(config);
		const f32 = tensors.reduce((sum, [, , shape]) => sum + 4 * shape.reduce((a, b) => a * b, 1), 0);
		const { head, size } = header(tensors);
		const grown = loadGrowth(modelDir('bf16-68m', head, size, JSON.stringify(config)));
		// Measured here: ArrayBuffers +16 MB (the bf16 embedding table) and RSS +0.3 GB, against +260 MB
		// and +0.72 GB when every tensor was kept as f32 beside the sessions' copies.
		expect(grown.arrayBuffers).toBeLessThan(0.25 * f32);
		expect(grown.rss).toBeLessThan(1.6 * f32);
	}, 240_000);
});
