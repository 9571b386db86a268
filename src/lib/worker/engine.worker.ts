/** The engine's home in the browser: a worker, so long runs never freeze the page. */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web';
import { CancelledError, Engine, EngineError, type Progress } from '../engine/engine';
import { kvBytesPerToken, parameterCount, type ModelConfig } from '../engine/config';
import { generate } from '../engine/generate';
import { fetchModel } from '../engine/model-files';
import { runExperiment } from '../experiment/run';
import { needleGrid } from '../experiment/needle-grid';
import { BrowserCache } from '../hub/browser-cache';
import { openCachedModel } from '../hub/model';
import { modelTokenizer, tokenizerFor, type Tokenizer } from '../tokenizers';
import type { EngineApi, ModelSource } from './protocol';
import { useWasmThreads } from '../engine/runtime';
import { wasmThreadCount } from '../capabilities';

useWasmThreads(wasmThreadCount());

let engine: Engine | null = null;
/** The loaded model's tokenizer: a hub model brings its own, the lab models declare bytes. */
let tokenizer: Tokenizer | null = null;

function loaded(): Engine {
	if (!engine) throw new EngineError('No model is loaded.');
	return engine;
}

/** A macrotask turn, so a pending `cancel` message is handled (timers would be clamped to 4 ms). */
function yieldToEvents(): Promise<void> {
	return new Promise((resolve) => {
		const channel = new MessageChannel();
		channel.port1.onmessage = () => resolve();
		channel.port2.postMessage(null);
	});
}

interface JobControl {
	cancelled: () => boolean;
	yieldToEvents: () => Promise<void>;
}

let latestJob = 0;
let running: Promise<unknown> = Promise.resolve();

/**
 * One job at a time, and the newest wins: starting a job cancels the one running (it stops at its
 * next layer), and the new one starts once the old has let go of the engine's sessions.
 */
function exclusive<T>(work: (control: JobControl) => Promise<T>, cancellable = true): Promise<T> {
	const id = ++latestJob;
	const control = { cancelled: () => cancellable && id !== latestJob, yieldToEvents };
	const result = running
		.catch(() => undefined)
		.then(() => {
			if (control.cancelled()) throw new CancelledError();
			return work(control);
		});
	running = result;
	return result;
}

/** What a load reads: the config, the weights, and a tokenizer for the engine's parsed config. */
async function open(source: ModelSource, onProgress: (p: Progress) => void) {
	if ('hub' in source) {
		const { repo, commit } = source.hub;
		// The page downloaded the model into Cache Storage, which this worker shares.
		const model = await openCachedModel(new BrowserCache(), repo, commit);
		if (!model) throw new EngineError(`${repo}@${commit} is not (or no longer) complete in this browser's cache; download it again.`);
		const weights = await model.weights();
		return { config: model.config, weights, close: () => weights.close(), tokenizer: (config: ModelConfig) => modelTokenizer(config, model, repo) };
	}
	const files = 'url' in source ? await fetchModel(source.url, onProgress) : source.files;
	return { config: files.config, weights: files.safetensors, close: () => {}, tokenizer: async (config: ModelConfig) => tokenizerFor(config) };
}

const api: EngineApi = {
	async load(source, executionProvider, onProgress) {
		const files = await open(source, onProgress);
		// A load waits for (and cancels) the running job, and is never cancelled itself.
		const next = await exclusive(async () => {
			// Release the old model first: releasing WASM sessions after WebGPU sessions were created
			// breaks the new ones (onnxruntime-web 1.30: "no GPU data for input").
			await engine?.release();
			engine = null;
			tokenizer = null;
			const loaded = await Engine.load(files.config, files.weights, { onProgress, executionProvider }).finally(files.close);
			tokenizer = await files.tokenizer(loaded.config).catch(async (error) => {
				await loaded.release();
				throw error;
			});
			engine = loaded;
			return loaded;
		}, false);
		return {
			config: next.config,
			parameters: parameterCount(next.config),
			kvBytesPerToken: kvBytesPerToken(next.config),
			executionProvider: next.executionProvider,
			tokenizer: tokenizer?.name ?? null,
			ortVersion: ort.env.versions.web ?? 'unknown'
		};
	},

	async generate(prompt, maxNewTokens, onProgress) {
		return exclusive(async (control) => {
			const model = loaded();
			let ids: number[];
			if (typeof prompt === 'string') {
				if (!tokenizer) throw new EngineError('This model came without a tokenizer (no tokenizer.json): give token ids instead of text.');
				ids = [...(tokenizer.bos === null ? [] : [tokenizer.bos]), ...tokenizer.encode(prompt)];
			} else {
				ids = prompt;
			}
			const generation = await generate(model, ids, { maxNewTokens, onProgress, ...control });
			return { ...generation, text: tokenizer ? tokenizer.decode(generation.tokens) : null };
		});
	},

	run(experiment, options, onProgress) {
		return exclusive((control) => runExperiment(loaded(), experiment, { ...options, onProgress, tokenizer, ...control }));
	},

	async grid(experiment, lengths, depths, samples, onProgress) {
		const total = lengths.length * depths.length;
		let done = 0;
		return exclusive((control) =>
			needleGrid(loaded(), experiment, lengths, depths, samples, {
				...control,
				tokenizer,
				onCell: () => onProgress({ phase: 'decode', done: ++done, total })
			})
		);
	},

	cancel() {
		latestJob++;
	}
};

Comlink.expose(api);
