/**
 * One error type for everything that can go wrong between a model id and a cached model, with a
 * kind the UI can branch on (a gated repo wants a token field, quota wants the cached list) and a
 * message written for the person who typed the id.
 */
export type HubErrorKind =
	| 'invalid-id'
	| 'gated'
	| 'not-found'
	| 'not-a-model'
	| 'offline'
	| 'cors'
	| 'quota'
	| 'too-large'
	| 'corrupt'
	| 'server'
	| 'cancelled';

export class HubError extends Error {
	override name = 'HubError';
	constructor(
		readonly kind: HubErrorKind,
		message: string
	) {
		super(message);
	}
}

export const cancelled = (repo: string) => new HubError('cancelled', `The download of ${repo} was cancelled.`);

/** Whether an error means the device is out of space: the browser's QuotaExceededError, Node's ENOSPC or EDQUOT. */
export function isQuotaError(error: unknown): boolean {
	const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
	return name === 'QuotaExceededError' || code === 'ENOSPC' || code === 'EDQUOT';
}
