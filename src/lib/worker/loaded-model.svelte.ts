/** Which model the shared engine worker holds, for every page that uses it. */
import type { Tokenizer } from '../tokenizers';
import type { ModelSummary } from './protocol';
import type { RunResult } from '../experiment/run';

/** Who chose the loaded model: the user (a button, a file, the hub picker) or a link the page opened. */
export type LoadedBy = 'user' | 'link';

export const loadedModel: {
	summary: ModelSummary | null;
	name: string | null;
	/** The page's copy of the worker's tokenizer (token labels, prompt previews); null where the model brought none. */
	tokenizer: Tokenizer | null;
	/** Whether `name` is an id a link can load again (a bundled or hub model), not a file name. */
	byId: boolean;
	loadedBy: LoadedBy | null;
	/** The model as the last run on it reports it: which path its attention took (attention-path.ts). */
	lastRun: RunResult['model'] | null;
} = $state({ summary: null, name: null, tokenizer: null, byId: false, loadedBy: null, lastRun: null });

/** The loaded model in a result cache key: its name, size and execution provider (timings differ between providers). */
export const loadedModelKey = () => `${loadedModel.name}/${loadedModel.summary?.parameters}/${loadedModel.summary?.executionProvider}`;
