/**
 * A run's analysis reuses the run's own prefill where it computed what the analysis needs: the
 * figures must equal those from separate prefills, computed here the long way.
 */
import { describe, expect, it } from 'vitest';
import { loadModelDir } from '../../src/cli/model-dir';
import { catalog, decodeQuery } from '$lib/experiment';
import { runExperiment } from '$lib/experiment/run';
import { techniqueHooks } from '$lib/experiment/technique-hooks';
import { meanKlDivergence } from '$lib/analysis/kl';
import type { Hooks } from '$lib/engine/hooks';

describe('the KL to full attention of an analysed run', () => {
	it('equals the KL between a separate full prefill and a separate patterned one, and is 0 for full attention', async () => {
		const engine = await loadModelDir('static/models/lab-rope');
		const prefill = async (hooks: Hooks, ids: number[]) => {
			const seq = engine.sequence(hooks);
			const logits = await seq.prefill(ids, { lastLogits: 64 });
			return { logits, positions: seq.logitPositions };
		};
		for (const query of ['task=passkey&len=200', 'task=passkey&len=200&attn=sink-window&attn.sink=4&attn.window=48', 'task=passkey&len=200&kv=snapkv']) {
			const experiment = decodeQuery(query, catalog).experiment;
			const result = await runExperiment(engine, experiment, { analyze: true });
			const ids = result.promptIds;
			const full = await prefill({}, ids);
			const patterned = await prefill(techniqueHooks(experiment, { causal: 0, kept: 0, massKept: 0, rows: 0 }, { config: engine.config }), ids);
			expect(result.heads!.klToFull, query).toBe(meanKlDivergence(full, patterned, engine.config.vocabSize));
			if (!query.includes('attn=')) expect(result.heads!.klToFull).toBe(0);
			else expect(result.heads!.klToFull).toBeGreaterThan(0);
		}
	});
});
