/** Which path a run's attention took: the GPU kernels, onnxruntime on WebGPU, or WASM. */
import type { RunResult } from './run';

export interface AttentionPath {
	/** Short enough for a table label: "WebGPU kernels", "WebGPU kernels + ORT", "ORT WebGPU", "WASM". */
	label: string;
	/** How many attention calls took which path, where both ran. */
	detail: string;
}

export function attentionPath(model: RunResult['model']): AttentionPath {
	if (model.executionProvider !== 'webgpu') return { label: 'WASM', detail: 'every attention call on onnxruntime (WASM)' };
	const { kernels = 0, onnxruntime = 0, kernelsOff } = model.attentionCalls ?? {};
	const off = kernelsOff ? `; the kernels were turned off: ${kernelsOff}` : '';
	if (kernels === 0) return { label: 'ORT WebGPU', detail: `every attention call on onnxruntime (WebGPU)${off}` };
	if (onnxruntime === 0) return { label: 'WebGPU kernels', detail: `all ${kernels} attention calls on the kernels` };
	// Calls that want probabilities (a heatmap) or a second position branch run on onnxruntime.
	return { label: 'WebGPU kernels + ORT', detail: `${kernels} of ${kernels + onnxruntime} attention calls on the kernels, the rest on onnxruntime (WebGPU)${off}` };
}
