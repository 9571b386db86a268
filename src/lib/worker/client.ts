/**
 * The page's handle on the engine worker. Errors come back as messages; a worker that dies is
 * replaced by a fresh one and the caller is told, so the page keeps working.
 */
import * as Comlink from 'comlink';
import type { Progress } from '../engine/engine';
import type { EngineApi } from './protocol';

export class EngineClient {
	private worker: Worker | null = null;
	private api: Comlink.Remote<EngineApi> | null = null;
	private crash: ((error: Error) => void) | null = null;

	private start(): Comlink.Remote<EngineApi> {
		if (this.api) return this.api;
		const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });
		worker.addEventListener('error', (event) => {
			event.preventDefault();
			this.reset();
			this.crash?.(new Error(`The engine stopped unexpectedly (${event.message || 'worker error'}). It has been restarted: load the model and run again.`));
		});
		this.worker = worker;
		this.api = Comlink.wrap<EngineApi>(worker);
		return this.api;
	}

	private reset(): void {
		this.worker?.terminate();
		this.worker = null;
		this.api = null;
	}

	/** Calls the worker; a crash while waiting rejects instead of hanging. */
	async call<T>(use: (api: Comlink.Remote<EngineApi>, progress: (p: Progress) => void) => Promise<T>, onProgress: (p: Progress) => void = () => {}): Promise<T> {
		const api = this.start();
		const crashed = new Promise<never>((_, reject) => (this.crash = reject));
		try {
			// The callback's return value is dropped: it may not survive structured cloning.
			const progress = Comlink.proxy((p: Progress) => void onProgress(p));
			return await Promise.race([use(api, progress), crashed]);
		} finally {
			this.crash = null;
		}
	}

	cancel(): void {
		void this.api?.cancel();
	}
}

let shared: EngineClient | null = null;

/** One engine worker for the whole app: models stay loaded across pages. */
export function engineClient(): EngineClient {
	shared ??= new EngineClient();
	return shared;
}
