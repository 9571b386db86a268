/**
 * The engine: a loaded model and the sequences run on it. onnxruntime-web runs the dense math
 * (runtime.ts); the forward pass (forward.ts) owns positions, masks, the KV cache and the
 * hooks. The same code runs in Node and in the browser.
 */
import { blockSpec } from './block';
import { parseConfig, type ModelConfig } from './config';
import { EngineError } from './errors';
import { lastLogits, rowsPerChunk, runLayers, type ForwardOptions, type LoadedModel, type Progress } from './forward';
import type { Hooks } from './hooks';
import { KvCache } from './kv-cache';
import { callRefusal, wasmLimits, webgpuLimits, type ModelMemory } from './memory-plan';
import { nativePlan } from './positions';
import type { Rows } from './rows';
import { Runtime, type ExecutionProvider } from './runtime';
import { parseSafetensors, type ByteSource } from './safetensors';
import { fittingWeights, planWeights, weightReader } from './weights';

export { CancelledError, EngineError } from './errors';
export type { ForwardOptions, Progress } from './forward';
export type { ExecutionProvider } from './runtime';

export interface ReadOptions extends ForwardOptions {
	/** Tokens per prefill chunk (default: all at once). */
	chunkSize?: number;
}

export interface PrefillOptions extends ReadOptions {
	/** Return logits for every position (perplexity) instead of only the last. */
	allLogits?: boolean;
	/** Return logits for the last N positions that reach the head (default 1), row by row. */
	lastLogits?: number;
}

export class Engine {
	private constructor(
		readonly config: ModelConfig,
		readonly executionProvider: ExecutionProvider,
		/** What the memory plan counted for this model in this runtime (memory-plan.ts). */
		readonly memory: ModelMemory,
		private readonly model: LoadedModel
	) {}

	/** Attention calls run so far on the GPU kernels and on onnxruntime, and why the kernels were turned off (a copy). */
	get attentionCalls(): { kernels: number; onnxruntime: number; kernelsOff?: string } {
		return { ...this.model.runtime.attentionCalls };
	}

	/**
	 * Checks the file against the config and the memory plan, then builds the sessions a layer at
	 * a time from the file's tensors: the JavaScript heap never holds the model as f32.
	 */
	static async load(
		configJson: unknown,
		safetensors: Uint8Array | ByteSource,
		options: {
			executionProvider?: ExecutionProvider;
			onProgress?: (p: Progress) => void;
			/**
			 * The most bytes the process may give the model, onnxruntime's heap included: its
			 * weights as the runtime holds them, and in each call its KV cache and buffers (default:
			 * a browser tab's budget; Node gives half of its RAM).
			 */
			maxWeightBytes?: number;
		} = {}
	): Promise<Engine> {
		const config = parseConfig(configJson);
		const file = parseSafetensors(safetensors);
		planWeights(file, config, null);
		const spec = blockSpec(config);
		const ep = options.executionProvider ?? 'wasm';
		const runtime = await Runtime.open(config, spec, ep, (done, total) => options.onProgress?.({ phase: 'load', done, total }));
		try {
			const limits = runtime.device ? webgpuLimits(runtime.device, options.maxWeightBytes) : wasmLimits(options.maxWeightBytes);
			const weights = fittingWeights(file, config, limits);
			const reader = weightReader(file, config);
			const embeddings = reader.embeddings();
			await runtime.load(reader, weights.halfMatrices);
			const memory = { config, weights, limits };
			const native = (layer: number, seqLen: number) => nativePlan(config, spec.layers[layer], seqLen);
			const windows = spec.layers.map((layer) => layer.window);
			return new Engine(config, ep, memory, { config, spec, embeddings, memory, runtime, native, windows });
		} catch (error) {
			await runtime.release();
			throw error;
		}
	}

	sequence(hooks: Hooks = {}): Sequence {
		return new Sequence(this.model, hooks);
	}

	release(): Promise<void> {
		return this.model.runtime.release();
	}
}

/** One sequence being run: its cache, its next position and its hooks. */
export class Sequence {
	readonly cache: KvCache;
	/** Original position the next token will get. */
	position = 0;
	/** KV bytes the last decode step read (keys and values, f32). */
	bytesReadLastStep = 0;
	/** Positions of the rows whose logits the last call returned (pruning can skip some). */
	logitPositions = new Int32Array(0);
	/** Set by `prefillThrough`: the layers past it never saw the prompt. */
	private stoppedAfter: number | null = null;

	constructor(
		private readonly model: LoadedModel,
		readonly hooks: Hooks
	) {
		const { layers, kvHeads, headDim } = model.config;
		this.cache = new KvCache(layers, kvHeads, headDim);
	}

	async prefill(ids: number[], options: PrefillOptions = {}): Promise<Float32Array> {
		const rows = await this.readPrompt(ids, this.model.config.layers - 1, options);
		const logits = await this.logitsOf(rows, options.allLogits ? Infinity : (options.lastLogits ?? 1), options.chunkSize);
		this.position += ids.length;
		this.slide();
		this.hooks.evict?.({ config: this.model.config, phase: 'prefill', step: 0, cache: this.cache });
		return logits;
	}

	/**
	 * Reads the prompt through layers 0 … `lastLayer` only, for a pass that needs what its hooks
	 * see there and no logits (GemFilter's selection). The sequence cannot continue after it.
	 */
	async prefillThrough(ids: number[], lastLayer: number, options: ReadOptions = {}): Promise<void> {
		const { layers } = this.model.config;
		if (!Number.isInteger(lastLayer) || lastLayer < 0 || lastLayer >= layers) throw new EngineError(`Layer ${lastLayer} does not exist: the model has layers 0–${layers - 1}.`);
		await this.readPrompt(ids, lastLayer, options);
		this.stoppedAfter = lastLayer;
	}

	private readPrompt(ids: number[], lastLayer: number, options: ReadOptions) {
		this.checkContinues();
		if (ids.length === 0) throw new EngineError('The prompt is empty.');
		this.checkFits(Math.min(ids.length, rowsPerChunk(options.chunkSize)), ids.length);
		const positions = Int32Array.from(ids, (_, i) => this.position + i);
		const onLayers = (done: number) => options.onProgress?.({ phase: 'prefill', done: (ids.length * done) / (lastLayer + 1), total: ids.length });
		return runLayers(this.model, this, { phase: 'prefill', ids, positions, lastLayer, chunkSize: options.chunkSize, onLayers }, options);
	}

	/** Feeds one token and returns the logits for the one after it. */
	async step(id: number, options: ForwardOptions = {}): Promise<Float32Array> {
		this.checkContinues();
		this.checkFits(1, 1);
		const rows = await runLayers(this.model, this, { phase: 'decode', ids: [id], positions: Int32Array.of(this.position), lastLayer: this.model.config.layers - 1 }, options);
		this.bytesReadLastStep = rows.bytesRead;
		const logits = await this.logitsOf(rows, 1);
		this.position++;
		this.slide();
		this.hooks.evict?.({ config: this.model.config, phase: 'decode', step: this.position, cache: this.cache });
		return logits;
	}

	/**
	 * Sliding layers let go of the keys no later query can see, before any policy compresses:
	 * they hold the last window − 1 positions, as transformers' sliding cache layers do.
	 */
	private slide(): void {
		this.model.windows.forEach((window, layer) => {
			if (window !== null) this.cache.dropBefore(layer, this.position - window + 1);
		});
	}

	/** Refuses a call of `rows` rows per chunk bringing `added` keys, before it runs, where the memory plan says it cannot fit. */
	private checkFits(rows: number, added: number): void {
		const held = Math.max(0, ...this.cache.lengths().flat());
		const refusal = callRefusal(this.model.memory, rows, held + added);
		if (refusal) throw new EngineError(refusal);
	}

	private checkContinues(): void {
		if (this.stoppedAfter !== null) throw new EngineError(`This sequence read its prompt through layer ${this.stoppedAfter} only; it cannot continue.`);
	}

	/** Logits of the last `count` rows that reached the head (at least one). */
	private logitsOf(rows: Rows, count: number, chunkSize?: number): Promise<Float32Array> {
		const n = Math.min(rows.positions.length, Math.max(1, count));
		this.logitPositions = rows.positions.slice(rows.positions.length - n);
		return lastLogits(this.model, rows, n, chunkSize);
	}
}
