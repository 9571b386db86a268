/**
 * Puts a model into the shared engine worker and records it in `loadedModel`: for the page's
 * model picker, and for a study that runs several models in turn (a sweep over models).
 */
import type { ExecutionProvider, Progress } from '../engine/engine';
import type { HubModel } from '../hub/model';
import { readHubId } from '../params/model-id';
import { modelTokenizer, tokenizerFor, type Tokenizer } from '../tokenizers';
import { bundledModels, type BundledModel } from './bundled';
import { engineClient } from './client';
import { hubModels } from './hub-models.svelte';
import { loadedModel, type LoadedBy } from './loaded-model.svelte';
import type { ModelSource, ModelSummary } from './protocol';

/** Loads into the worker; the page builds its own copy of the tokenizer for labels and previews. */
export async function loadIntoWorker(
	source: ModelSource,
	name: string,
	tokenizer: (summary: ModelSummary) => Promise<Tokenizer | null>,
	by: LoadedBy,
	executionProvider: ExecutionProvider,
	onProgress: (p: Progress) => void = () => {}
): Promise<void> {
	loadedModel.summary = null;
	loadedModel.lastRun = null;
	loadedModel.tokenizer = null;
	const summary = await engineClient().call((api, progress) => api.load(source, executionProvider, progress), onProgress);
	loadedModel.tokenizer = await tokenizer(summary);
	loadedModel.summary = summary;
	loadedModel.name = name;
	loadedModel.byId = !('files' in source);
	loadedModel.loadedBy = by;
}

export const loadBundledModel = (model: BundledModel, by: LoadedBy, executionProvider: ExecutionProvider, onProgress?: (p: Progress) => void) =>
	loadIntoWorker({ url: model.path }, model.id, async ({ config }) => tokenizerFor(config), by, executionProvider, onProgress);

export const loadHubModel = (model: HubModel, by: LoadedBy, executionProvider: ExecutionProvider, onProgress?: (p: Progress) => void) =>
	loadIntoWorker({ hub: { repo: model.repo, commit: model.commit } }, model.id, ({ config }) => modelTokenizer(config, model, model.repo), by, executionProvider, onProgress);

/**
 * Makes the worker hold the model a link names (a bundled id, or a hub model this browser has
 * downloaded), on the execution provider of the model loaded now; nothing when it holds it already.
 */
export async function useModel(id: string, onProgress?: (p: Progress) => void): Promise<void> {
	if (loadedModel.name === id && loadedModel.summary) return;
	const executionProvider: ExecutionProvider = loadedModel.summary?.executionProvider === 'webgpu' ? 'webgpu' : 'wasm';
	const hub = readHubId(id);
	if (hub.ok) {
		const model = await hubModels.cachedModel(hub.ref);
		if (!model) throw new Error(`The model ${id} is not in this browser: download it under Model first.`);
		return loadHubModel(model, 'link', executionProvider, onProgress);
	}
	const shipped = await bundledModels();
	const bundled = shipped.find((m) => m.id === id);
	if (!bundled) throw new Error(`There is no model ${id} to load: the lab ships ${shipped.map((m) => m.id).join(', ')}.`);
	return loadBundledModel(bundled, 'link', executionProvider, onProgress);
}
