/** What this browser offers the engine: the capability ladder shown next to every run. */
export interface Capabilities {
	/** Cross-origin isolated pages may share memory, which WASM threads need. */
	crossOriginIsolated: boolean;
	wasmThreads: number;
	webgpu: { available: false; reason: string } | { available: true; fallback: boolean; description: string };
}

/** `isFallbackAdapter` moved from the adapter to its info in 2024; browsers have either. */
type AdapterFlags = { isFallbackAdapter?: boolean };

async function probeWebGpu(): Promise<Capabilities['webgpu']> {
	const gpu = 'gpu' in navigator ? navigator.gpu : undefined;
	if (!gpu) return { available: false, reason: 'this browser has no WebGPU' };
	try {
		const adapter = await gpu.requestAdapter();
		if (!adapter) return { available: false, reason: 'no WebGPU adapter was offered' };
		const info = adapter.info;
		const description = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
		const fallback =
			(info as AdapterFlags).isFallbackAdapter === true || (adapter as AdapterFlags).isFallbackAdapter === true;
		return { available: true, fallback, description: description || 'unnamed adapter' };
	} catch (error) {
		return { available: false, reason: `WebGPU failed: ${error instanceof Error ? error.message : String(error)}` };
	}
}

/** WASM threads this page or worker can run: one per core (at most 8) where it is cross-origin isolated, else one. */
export function wasmThreadCount(): number {
	return globalThis.crossOriginIsolated === true ? Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1)) : 1;
}

export async function probeCapabilities(): Promise<Capabilities> {
	return {
		crossOriginIsolated: globalThis.crossOriginIsolated === true,
		wasmThreads: wasmThreadCount(),
		webgpu: await probeWebGpu()
	};
}
