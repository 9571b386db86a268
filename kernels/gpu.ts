/**
 * The WebGPU plumbing every kernel shares: one device, pipelines compiled once per shader
 * source, buffers made from typed arrays, and small results read back.
 */

export class KernelError extends Error {}

/** The device the kernels run on, with what its adapter is (a software adapter is only for correctness). */
export interface KernelDevice {
	device: GPUDevice;
	/** The adapter's own words (vendor, architecture, description). */
	description: string;
	/** True for a software adapter (SwiftShader): correct, never fast. */
	fallback: boolean;
}

/** Requests a device where the browser offers WebGPU; null with the reason where it does not. */
export async function requestKernelDevice(): Promise<KernelDevice | { reason: string }> {
	const gpu = typeof navigator !== 'undefined' && 'gpu' in navigator ? navigator.gpu : undefined;
	if (!gpu) return { reason: 'this browser has no WebGPU' };
	const adapter = await gpu.requestAdapter();
	if (!adapter) return { reason: 'no WebGPU adapter was offered' };
	// Long contexts need large buffers: ask for what the adapter allows, not the 128 MiB default.
	const device = await adapter.requestDevice({
		requiredLimits: {
			maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
			maxBufferSize: adapter.limits.maxBufferSize
		}
	});
	const info = adapter.info;
	const fallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
	return { device, description: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter', fallback };
}

type Bindable = Float32Array | Uint32Array | Int32Array;

/** One device's compiled pipelines and buffer helpers. */
export class Kernels {
	private readonly pipelines = new Map<string, GPUComputePipeline>();

	constructor(readonly gpu: KernelDevice) {}

	get device(): GPUDevice {
		return this.gpu.device;
	}

	/** The pipeline of a WGSL source (entry point `main`), compiled on first use. */
	async pipeline(source: string): Promise<GPUComputePipeline> {
		const cached = this.pipelines.get(source);
		if (cached) return cached;
		const module = this.device.createShaderModule({ code: source });
		const info = await module.getCompilationInfo();
		const errors = info.messages.filter((m) => m.type === 'error');
		if (errors.length) throw new KernelError(`WGSL did not compile: ${errors.map((e) => `${e.lineNum}:${e.linePos} ${e.message}`).join('; ')}`);
		const pipeline = await this.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
		this.pipelines.set(source, pipeline);
		return pipeline;
	}

	/** A storage buffer holding `data` (at least 4 bytes: WebGPU refuses empty bindings). */
	input(data: Bindable): GPUBuffer {
		const size = Math.max(4, data.byteLength);
		const buffer = this.device.createBuffer({ size: Math.ceil(size / 4) * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
		new (data.constructor as new (b: ArrayBuffer) => Bindable)(buffer.getMappedRange()).set(data);
		buffer.unmap();
		return buffer;
	}

	/** A zeroed storage buffer of `count` 32-bit words that a kernel writes and the host reads. */
	output(count: number): GPUBuffer {
		return this.device.createBuffer({ size: Math.max(4, count * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
	}

	/** A uniform buffer of 32-bit words (u32 or f32, written as their bits). */
	uniform(words: ArrayLike<number>, floats: ReadonlySet<number> = new Set()): GPUBuffer {
		const data = new ArrayBuffer(Math.ceil(Math.max(1, words.length) / 4) * 16);
		const u32 = new Uint32Array(data);
		const f32 = new Float32Array(data);
		for (let n = 0; n < words.length; n++) {
			if (floats.has(n)) f32[n] = words[n];
			else u32[n] = words[n];
		}
		const buffer = this.device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
		this.device.queue.writeBuffer(buffer, 0, data);
		return buffer;
	}

	/**
	 * Runs `work` (dispatches and reads) and throws what the device reported meanwhile: WebGPU
	 * reports a bad binding or an allocation it could not make to an error scope, not as an
	 * exception, and the results would otherwise be zeros.
	 */
	async guard<T>(work: () => Promise<T>): Promise<T> {
		this.device.pushErrorScope('out-of-memory');
		this.device.pushErrorScope('validation');
		let value: T;
		try {
			value = await work();
		} finally {
			const invalid = await this.device.popErrorScope();
			const memory = await this.device.popErrorScope();
			const error = invalid ?? memory;
			if (error) throw new KernelError(`the GPU refused a kernel: ${error.message}`);
		}
		return value;
	}

	/** Runs one dispatch of `pipeline` with `buffers` bound in order from binding 0. */
	dispatch(pipeline: GPUComputePipeline, buffers: GPUBuffer[], groups: [number, number, number]): void {
		const limit = this.device.limits.maxComputeWorkgroupsPerDimension;
		if (groups.some((g) => g > limit)) throw new KernelError(`a dispatch of ${groups.join(' × ')} workgroups exceeds this device's ${limit} per dimension.`);
		const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) });
		const encoder = this.device.createCommandEncoder();
		const pass = encoder.beginComputePass();
		pass.setPipeline(pipeline);
		pass.setBindGroup(0, bindGroup);
		pass.dispatchWorkgroups(...groups);
		pass.end();
		this.device.queue.submit([encoder.finish()]);
	}

	/** The first `count` words of `buffer`, read back to the host. */
	async read<A extends Bindable>(buffer: GPUBuffer, count: number, as: new (b: ArrayBuffer) => A): Promise<A> {
		const staging = this.device.createBuffer({ size: Math.max(4, count * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
		const encoder = this.device.createCommandEncoder();
		encoder.copyBufferToBuffer(buffer, 0, staging, 0, Math.max(4, count * 4));
		this.device.queue.submit([encoder.finish()]);
		await staging.mapAsync(GPUMapMode.READ);
		const out = new as(staging.getMappedRange().slice(0, count * 4));
		staging.destroy();
		return out;
	}
}

/** Destroys buffers a call made once its results are read. */
export function release(...buffers: GPUBuffer[]): void {
	for (const buffer of buffers) buffer.destroy();
}
