import { describe, expect, it } from 'vitest';
import { attentionPath } from '$lib/experiment/attention-path';

const model = (executionProvider: string, attentionCalls?: { kernels: number; onnxruntime: number; kernelsOff?: string }) => ({ id: 'm', parameters: 1, executionProvider, attentionCalls });

describe('which path a run took', () => {
	it('names WASM, onnxruntime on WebGPU, the kernels, or both with their counts', () => {
		expect(attentionPath(model('wasm', { kernels: 0, onnxruntime: 9 })).label).toBe('WASM');
		expect(attentionPath(model('webgpu', { kernels: 0, onnxruntime: 9 })).label).toBe('ORT WebGPU');
		// Results cached before runs counted their calls.
		expect(attentionPath(model('webgpu')).label).toBe('ORT WebGPU');
		expect(attentionPath(model('webgpu', { kernels: 9, onnxruntime: 0 }))).toEqual({ label: 'WebGPU kernels', detail: 'all 9 attention calls on the kernels' });
		expect(attentionPath(model('webgpu', { kernels: 6, onnxruntime: 3 })).detail).toBe('6 of 9 attention calls on the kernels, the rest on onnxruntime (WebGPU)');
	});
	it('says why the kernels were turned off', () => {
		expect(attentionPath(model('webgpu', { kernels: 2, onnxruntime: 7, kernelsOff: 'the GPU refused a kernel: out of memory' })).detail).toMatch(/2 of 9 .*turned off: the GPU refused a kernel: out of memory$/);
	});
});
