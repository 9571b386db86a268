/**
 * Cells share one engine worker, which runs one job at a time and lets the newest cancel the
 * rest; so the page runs cells one after another, in the order they asked.
 */
let tail: Promise<unknown> = Promise.resolve();

export function enqueue<T>(work: () => Promise<T>): Promise<T> {
	const next = tail.catch(() => undefined).then(work);
	tail = next;
	return next;
}
