import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * onnxruntime-web needs SharedArrayBuffer for WASM threads, which browsers only grant to
 * cross-origin isolated pages. SvelteKit ignores `server.headers`/`preview.headers`, so the
 * headers are set by middleware, registered before SvelteKit's own.
 */
export const crossOriginIsolation = (): Plugin => {
	const isolate = (
		_req: unknown,
		res: { setHeader(name: string, value: string): void },
		next: () => void
	) => {
		res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
		res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
		res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
		next();
	};
	return {
		name: 'longscope:cross-origin-isolation',
		configureServer: (server) => void server.middlewares.use(isolate),
		configurePreviewServer: (server) => void server.middlewares.use(isolate)
	};
};

export default defineConfig({
	plugins: [crossOriginIsolation(), sveltekit()],
	worker: { format: 'es' },
	test: {
		include: ['tests/unit/**/*.test.ts'],
		environment: 'node',
		// Limits that only catch a hang: a model load and run take several times longer on a busy
		// machine than on an idle one, and no test may depend on the machine being idle.
		testTimeout: 120_000,
		hookTimeout: 120_000
	}
});
