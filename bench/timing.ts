/** The median wall time of `runs` calls of `work`, after one warm-up call. */
export async function median(runs: number, work: () => unknown): Promise<number> {
	await work();
	const times: number[] = [];
	for (let i = 0; i < runs; i++) {
		const start = performance.now();
		await work();
		times.push(performance.now() - start);
	}
	return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}
