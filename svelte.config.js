import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// The lab is a client-side app (the model runs in the browser), so it ships as a
		// static SPA: every route falls back to index.html and renders on the client.
		adapter: adapter({ fallback: 'index.html' })
	}
};

export default config;
