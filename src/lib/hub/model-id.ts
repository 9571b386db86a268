/**
 * A hub model's id: `hf:<org>/<name>` with an optional `@<revision>` (a branch, a tag or a
 * commit). A link names the commit (`hf:<org>/<name>@<40 hex digits>`), so it reproduces after the
 * branch moves. Names follow huggingface_hub's validate_repo_id, so an id this accepts is one the
 * hub could hold and one that is safe as a path in a URL and on disk.
 */
import { quote } from '../quote';
import { HubError } from './errors';

export const HUB_PREFIX = 'hf:';

export interface HubRef {
	/** `<org>/<name>`. */
	repo: string;
	/** A branch, tag or commit; absent means the repo's default branch, `main`. */
	revision?: string;
}

const PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;
const REVISION = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,127}$/;
const COMMIT = /^[0-9a-f]{40}$/;

export const isCommit = (revision: string) => COMMIT.test(revision);

export const isHubId = (text: string) => text.startsWith(HUB_PREFIX);

const EXAMPLE = 'e.g. hf:HuggingFaceTB/SmolLM2-135M or hf:HuggingFaceTB/SmolLM2-135M@main';

function invalid(text: string, reason: string): never {
	throw new HubError('invalid-id', `${quote(text)} is not a hub model id: ${reason} (${EXAMPLE}).`);
}

function checkPart(text: string, what: string, part: string) {
	if (!PART.test(part)) invalid(text, `the ${what} must be 1 to 96 letters, digits, "_", "." or "-", starting and ending with a letter, digit or "_"`);
	if (part.includes('--') || part.includes('..')) invalid(text, `the ${what} may not contain "--" or ".."`);
	if (part.endsWith('.git')) invalid(text, `the ${what} may not end in ".git"`);
}

/** Parses and validates an id; a HubError of kind 'invalid-id' says what is wrong with it. */
export function parseHubId(text: string): HubRef {
	if (!isHubId(text)) invalid(text, `it must start with "${HUB_PREFIX}"`);
	const body = text.slice(HUB_PREFIX.length);
	const at = body.indexOf('@');
	const repo = at < 0 ? body : body.slice(0, at);
	const parts = repo.split('/');
	if (parts.length !== 2) invalid(text, parts.length < 2 ? 'it needs an organisation and a name, "<org>/<name>"' : 'a repo is "<org>/<name>", with one "/"');
	checkPart(text, 'organisation', parts[0]);
	checkPart(text, 'name', parts[1]);
	if (at < 0) return { repo };
	const revision = body.slice(at + 1);
	if (!REVISION.test(revision) || /\.\.|\/\/|\/$|\.lock$|@\{/.test(revision)) {
		invalid(text, 'the revision after "@" must be a branch, tag or commit: letters, digits, "_", ".", "-" and single "/" between parts');
	}
	return { repo, revision };
}

export const formatHubId = ({ repo, revision }: HubRef) => `${HUB_PREFIX}${repo}${revision === undefined ? '' : `@${revision}`}`;
