/**
 * A hub model's id as the downloader takes it: the grammar is the experiment field's
 * (params/model-id.ts); here a malformed id becomes a HubError for the person who typed it.
 */
import { quote } from '../quote';
import { HUB_ID_EXAMPLE, readHubId, type HubRef } from '../params/model-id';
import { HubError } from './errors';

export { formatHubId, isCommit, isHubId, type HubRef } from '../params/model-id';

/** Parses and validates an id; a HubError of kind 'invalid-id' says what is wrong with it. */
export function parseHubId(text: string): HubRef {
	const read = readHubId(text);
	if (!read.ok) throw new HubError('invalid-id', `${quote(text)} is not a hub model id: ${read.reason} (${HUB_ID_EXAMPLE}).`);
	return read.ref;
}
