import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

// Debian's Chromium where present (Playwright's browser download is unavailable on our
// machines); elsewhere Playwright's own Chromium.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const executablePath = existsSync(chromiumPath) ? chromiumPath : undefined;
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
	testDir: 'tests/e2e',
	// Tests wait for states, never for time; these limits only catch a hang. A busy CI machine
	// (both cores taken by other work) makes a model load and run take several times longer.
	timeout: 240_000,
	expect: { timeout: 60_000 },
	retries: 0,
	workers: 2,
	reporter: [['list']],
	use: {
		baseURL: `http://localhost:${port}`,
		browserName: 'chromium',
		launchOptions: {
			executablePath,
			args: [
				'--enable-unsafe-webgpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run'
			]
		}
	},
	webServer: {
		command: `npm run build && npx vite preview --port ${port} --strictPort`,
		port,
		reuseExistingServer: !process.env.CI,
		timeout: 180_000
	}
});
