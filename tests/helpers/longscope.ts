/** The command line in the test's process, pointed at a hub (HF_ENDPOINT): its exit code and what it wrote. */
import { vi } from 'vitest';
import { main } from '../../src/cli/program';

export async function longscope(endpoint: string, ...args: string[]) {
	vi.stubEnv('HF_ENDPOINT', endpoint);
	let stdout = '';
	let stderr = '';
	try {
		const code = await main(args, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) });
		return { code, stdout, stderr };
	} finally {
		vi.unstubAllEnvs();
	}
}
