/** The picker's curated hub models: facts read from the published configs, and what a browser can hold. */
import { describe, expect, it } from 'vitest';
import { CURATED_MODELS, f32Memory, fitsInBrowser } from '$lib/hub/curated';
import { parseHubId } from '$lib/hub/model-id';

const byRepo = new Map(CURATED_MODELS.map((m) => [m.repo, m]));

describe('curated hub models', () => {
	it('list the small models of each family, base and instruct, by valid ids', () => {
		expect([...byRepo.keys()]).toEqual([
			'HuggingFaceTB/SmolLM2-135M',
			'HuggingFaceTB/SmolLM2-135M-Instruct',
			'HuggingFaceTB/SmolLM2-360M',
			'HuggingFaceTB/SmolLM2-360M-Instruct',
			'Qwen/Qwen2.5-0.5B',
			'Qwen/Qwen2.5-0.5B-Instruct',
			'google/gemma-3-270m',
			'google/gemma-3-270m-it',
			'meta-llama/Llama-3.2-1B',
			'meta-llama/Llama-3.2-1B-Instruct',
			'openai-community/gpt2'
		]);
		for (const { repo } of CURATED_MODELS) expect(parseHubId(`hf:${repo}`)).toEqual({ repo });
	});

	it("give each model's size, context and positions from its config.json, as the model cards state them", () => {
		expect(byRepo.get('HuggingFaceTB/SmolLM2-135M')).toMatchObject({ parameters: 134_515_008, context: 8192, positions: 'RoPE θ = 100,000', gated: false, instruct: false });
		expect(byRepo.get('Qwen/Qwen2.5-0.5B-Instruct')).toMatchObject({ parameters: 494_032_768, context: 32_768, positions: 'RoPE θ = 1,000,000', instruct: true });
		expect(byRepo.get('google/gemma-3-270m')).toMatchObject({ context: 32_768, positions: 'RoPE θ = 10,000 on 15 layers; RoPE θ = 1,000,000 on 3 layers', gated: true, licence: 'Gemma Terms of Use' });
		expect(byRepo.get('meta-llama/Llama-3.2-1B')).toMatchObject({ parameters: 1_235_814_400, context: 131_072, positions: 'llama3 ×32 from 8,192 (RoPE θ = 500,000)', gated: true });
		expect(byRepo.get('openai-community/gpt2')).toMatchObject({ context: 1024, positions: 'learned absolute positions, 1,024 of them', licence: 'MIT', downloadBytes: 548e6 });
		// bf16 checkpoints: two bytes a parameter (the hub lists SmolLM2-135M's model.safetensors at 269 MB).
		expect(byRepo.get('HuggingFaceTB/SmolLM2-135M')!.downloadBytes).toBe(269_030_016);
	});

	it('say which models a browser tab cannot hold as f32: Llama 3.2 1B, at 4.6 GiB', () => {
		expect(CURATED_MODELS.filter((m) => !fitsInBrowser(m)).map((m) => m.repo)).toEqual(['meta-llama/Llama-3.2-1B', 'meta-llama/Llama-3.2-1B-Instruct']);
		expect(f32Memory(byRepo.get('meta-llama/Llama-3.2-1B')!) / 2 ** 30).toBeCloseTo(4.6, 1);
	});
});
