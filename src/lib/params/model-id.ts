/**
 * What an experiment's `model` may name: one of our lab models by its short id (`lab-rope`), or a
 * Hugging Face repo as `hf:<org>/<name>` with an optional `@<revision>` (a branch, a tag or a
 * commit; a link names the commit, so it reproduces after the branch moves). The grammar lives
 * here, beside the field it checks, so the codec, the schema, the hub downloader and the command
 * line read an id the same way; hub/ wraps its reasons in HubErrors. Names follow
 * huggingface_hub's validate_repo_id, so an accepted id is one the hub could hold and one that is
 * safe as a path in a URL and on disk.
 */

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
const LAB_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LAB_CHARS = /^[a-z0-9][a-z0-9._-]*$/;

/** The longest id the grammar allows: the prefix, two 96-character parts and a 128-character revision. */
export const MAX_MODEL_ID_LENGTH = HUB_PREFIX.length + 96 + 1 + 96 + 1 + 128;

export const HUB_ID_EXAMPLE = 'e.g. hf:HuggingFaceTB/SmolLM2-135M or hf:HuggingFaceTB/SmolLM2-135M@main';

export const isCommit = (revision: string) => COMMIT.test(revision);

export const isHubId = (text: string) => text.startsWith(HUB_PREFIX);

export const formatHubId = ({ repo, revision }: HubRef) => `${HUB_PREFIX}${repo}${revision === undefined ? '' : `@${revision}`}`;

export type HubIdReading = { ok: true; ref: HubRef } | { ok: false; reason: string };

function partProblem(what: string, part: string): string | null {
	if (!PART.test(part)) return `the ${what} must be 1 to 96 letters, digits, "_", "." or "-", starting and ending with a letter, digit or "_"`;
	if (part.includes('--') || part.includes('..')) return `the ${what} may not contain "--" or ".."`;
	if (part.endsWith('.git')) return `the ${what} may not end in ".git"`;
	return null;
}

/** Reads a hub id into repo and revision, or says (as a clause after "it is not a hub id:") what is wrong. */
export function readHubId(text: string): HubIdReading {
	const fail = (reason: string): HubIdReading => ({ ok: false, reason });
	if (!isHubId(text)) return fail(`it must start with "${HUB_PREFIX}"`);
	const body = text.slice(HUB_PREFIX.length);
	const at = body.indexOf('@');
	const repo = at < 0 ? body : body.slice(0, at);
	const parts = repo.split('/');
	if (parts.length !== 2) return fail(parts.length < 2 ? 'it needs an organisation and a name, "<org>/<name>"' : 'a repo is "<org>/<name>", with one "/"');
	const problem = partProblem('organisation', parts[0]) ?? partProblem('name', parts[1]);
	if (problem) return fail(problem);
	if (at < 0) return { ok: true, ref: { repo } };
	const revision = body.slice(at + 1);
	if (!REVISION.test(revision) || /\.\.|\/\/|\/$|\.lock$|@\{/.test(revision)) {
		return fail('the revision after "@" must be a branch, tag or commit: letters, digits, "_", ".", "-" and single "/" between parts');
	}
	return { ok: true, ref: { repo, revision } };
}

/** Why a text is not a model id, phrased to follow "…, which", or null when it is one. */
export function modelIdProblem(text: string): string | null {
	if (isHubId(text)) {
		const read = readHubId(text);
		return read.ok ? null : `is not a hub model id: ${read.reason} (${HUB_ID_EXAMPLE})`;
	}
	if (LAB_ID.test(text)) return null;
	if (LAB_CHARS.test(text)) return 'is longer than the 64 characters of a lab model id';
	return `must be a model id: a lab model's (a-z, 0-9, ".", "_", "-") or hf:<org>/<name>@<revision>`;
}
