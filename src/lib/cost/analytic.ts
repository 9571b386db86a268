/**
 * The analytic cost model (LLM-Viewer's roofline; Yao Fu's "Challenges in Deploying
 * Long-Context Transformers"). Resident KV (what eviction shrinks) and KV read per decode step
 * (what selection and sparse patterns shrink) are separate quantities.
 */
import { parameterCount, type ModelConfig } from '../engine/config';
import type { HardwarePreset } from './hardware';

export type KvDtype = 'fp32' | 'fp16' | 'int8' | 'int4';
export const BYTES_PER_VALUE: Record<KvDtype, number> = { fp32: 4, fp16: 2, int8: 1, int4: 0.5 };

/** Tokens held (or read) per layer and KV head; a number means the same for all. */
export type TokenCounts = number | number[][];

function totalEntries(config: ModelConfig, tokens: TokenCounts): number {
	if (typeof tokens === 'number') return tokens * config.layers * config.kvHeads;
	return tokens.reduce((sum, heads) => sum + heads.reduce((a, b) => a + b, 0), 0);
}

/** 2 · Σ_layers,kv-heads tokens · head_dim · bytes (K and V). */
export function kvBytes(config: ModelConfig, tokens: TokenCounts, dtype: KvDtype = 'fp16', batch = 1): number {
	return 2 * totalEntries(config, tokens) * config.headDim * BYTES_PER_VALUE[dtype] * batch;
}

export function weightBytes(config: ModelConfig, bytesPerWeight = 2): number {
	return parameterCount(config) * bytesPerWeight;
}

/** Parameters a token's forward pass multiplies by: everything but the embedding lookup. */
function matmulParameters(config: ModelConfig): number {
	const embeddings = config.vocabSize * config.hiddenSize * (config.tieWordEmbeddings ? 1 : 2);
	// The LM head is a matmul even when tied to the embedding.
	return parameterCount(config) - embeddings + config.vocabSize * config.hiddenSize;
}

/**
 * Prefill FLOPs for n tokens: 2·P per token for the matmuls, plus QKᵀ and PV over the causal
 * entries the pattern computes (density 1 = all n(n+1)/2), 2·d FLOPs each per head.
 */
export function prefillFlops(config: ModelConfig, n: number, density = 1): number {
	const causal = (n * (n + 1)) / 2;
	return 2 * matmulParameters(config) * n + 4 * config.layers * config.heads * config.headDim * causal * density;
}

/** One decode step at context n, reading `readTokens` cached tokens per layer and head. */
export function decodeStep(config: ModelConfig, readTokens: TokenCounts, dtype: KvDtype = 'fp16', bytesPerWeight = 2) {
	const entries = totalEntries(config, readTokens);
	const group = config.heads / config.kvHeads;
	return {
		flops: 2 * matmulParameters(config) + 4 * entries * group * config.headDim,
		bytes: weightBytes(config, bytesPerWeight) + 2 * entries * config.headDim * BYTES_PER_VALUE[dtype]
	};
}

export interface Roofline {
	seconds: number;
	bound: 'memory' | 'compute';
	/** FLOPs per byte of this work. */
	intensity: number;
	/** FLOPs per byte where the hardware turns compute-bound: peak / bandwidth. */
	ridge: number;
}

export function roofline(flops: number, bytes: number, hw: HardwarePreset): Roofline {
	const intensity = flops / bytes;
	const ridge = hw.peakFlops / hw.bandwidth;
	return intensity < ridge
		? { seconds: bytes / hw.bandwidth, bound: 'memory', intensity, ridge }
		: { seconds: flops / hw.peakFlops, bound: 'compute', intensity, ridge };
}

export interface CostReport {
	tokens: number;
	kvDtype: KvDtype;
	residentKvBytes: number;
	kvReadPerStepBytes: number;
	weightBytes: number;
	prefillFlops: number;
	decodeBytesPerToken: number;
	decodeFlopsPerToken: number;
	hardware: string;
	timeToFirstToken: Roofline;
	perToken: Roofline;
	/** Sequences of this length whose KV fits beside the weights (0 = not even one). */
	concurrency: number;
	/** Seconds to move one sequence's KV to or from host memory. */
	contextSwitchSeconds: number;
}

export interface CostOptions {
	tokens: number;
	kvDtype?: KvDtype;
	/** Resident tokens per layer/head after eviction (default: all). */
	resident?: TokenCounts;
	/** Tokens read per decode step (default: the resident ones). */
	read?: TokenCounts;
	/** Share of causal attention entries the pattern computes in prefill. */
	density?: number;
	bytesPerWeight?: number;
}

export function costReport(config: ModelConfig, hw: HardwarePreset, options: CostOptions): CostReport {
	const dtype = options.kvDtype ?? 'fp16';
	const bytesPerWeight = options.bytesPerWeight ?? 2;
	const resident = options.resident ?? options.tokens;
	const read = options.read ?? resident;
	const residentKvBytes = kvBytes(config, resident, dtype);
	const weights = weightBytes(config, bytesPerWeight);
	const flops = prefillFlops(config, options.tokens, options.density ?? 1);
	// Prefill reads the weights once and writes the whole KV.
	const ttft = roofline(flops, weights + kvBytes(config, options.tokens, dtype), hw);
	const step = decodeStep(config, read, dtype, bytesPerWeight);
	return {
		tokens: options.tokens,
		kvDtype: dtype,
		residentKvBytes,
		kvReadPerStepBytes: kvBytes(config, read, dtype),
		weightBytes: weights,
		prefillFlops: flops,
		decodeBytesPerToken: step.bytes,
		decodeFlopsPerToken: step.flops,
		hardware: hw.id,
		timeToFirstToken: ttft,
		perToken: roofline(step.flops, step.bytes, hw),
		concurrency: residentKvBytes > 0 ? Math.max(0, Math.floor((hw.memory - weights) / residentKvBytes)) : Infinity,
		contextSwitchSeconds: residentKvBytes / hw.hostBandwidth
	};
}
