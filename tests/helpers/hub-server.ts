/**
 * A Hugging Face hub on 127.0.0.1 for tests: fixture repos served in the hub's URL layout, with
 * the hub's headers and refusals, so the downloader is tested against the protocol it meets in
 * the world (our machines cannot reach the real hub).
 *
 * - `GET /api/models/<org>/<name>/revision/<rev>[?blobs=true]`: `{ id, sha, gated, siblings }`,
 *   siblings with size, blobId and (for LFS files, here the .safetensors) `lfs.sha256`.
 * - `GET|HEAD /<org>/<name>/resolve/<rev>/<file>`: small files directly; LFS files as a 302 to
 *   `/cdn/<sha256>`, as the hub redirects to its CDN. X-Repo-Commit, ETag, X-Linked-Etag and
 *   X-Linked-Size as the hub sends them; Range (206, 416) and If-None-Match (304).
 * - Unknown repo: 401 without a token and 404 with one (the hub hides private repos so), both
 *   with X-Error-Code RepoNotFound; unknown revision or file: 404 RevisionNotFound or
 *   EntryNotFound; a gated repo without its token: 401, with another token: 403 (GatedRepo).
 * - CORS headers as the hub's, so a browser page may use it too.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureRepo {
	/** `<org>/<name>`. */
	repo: string;
	/** Branches and tags → commit; every commit of `commits` is also its own revision. */
	refs: Record<string, string>;
	/** Each commit's files. */
	commits: Record<string, Record<string, Uint8Array>>;
	/** The one token that may read a gated repo. */
	gatedToken?: string;
}

export interface LoggedRequest {
	method: string;
	path: string;
	authorization: string | null;
	range: string | null;
}

export interface HubServerOptions {
	/** Bodies are written this many bytes at a time, with `pauseMs` between, so a test can act midway. */
	chunk?: number;
	pauseMs?: number;
	/** Serves this file's bytes with one byte changed (the API still describes the original). */
	corrupt?: string;
	/** false: no CORS headers, as a server that does not let pages read it (a browser's fetch then fails). */
	cors?: boolean;
}

export interface HubServer {
	endpoint: string;
	requests: LoggedRequest[];
	options: HubServerOptions;
	/** Cuts every open connection, as a dropped network does. */
	drop(): void;
	close(): Promise<void>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Git's blob id, which the hub gives as the ETag of a file kept in git. */
const gitBlobId = (bytes: Uint8Array) => createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
const isLfs = (file: string) => file.endsWith('.safetensors');

const EXPOSED = 'X-Repo-Commit, X-Error-Code, X-Error-Message, ETag, Accept-Ranges, Content-Range, Content-Length, X-Linked-Size, X-Linked-ETag, Location';

function refuse(res: ServerResponse, status: number, code: string, message: string) {
	res.writeHead(status, { 'Content-Type': 'application/json', 'X-Error-Code': code, 'X-Error-Message': message });
	res.end(JSON.stringify({ error: message }));
}

export async function startHubServer(repos: FixtureRepo[], options: HubServerOptions = {}): Promise<HubServer> {
	const byName = new Map(repos.map((r) => [r.repo, r]));
	const blobs = new Map<string, Uint8Array>();
	for (const repo of repos) for (const files of Object.values(repo.commits)) for (const [file, bytes] of Object.entries(files)) if (isLfs(file)) blobs.set(sha256(bytes), bytes);
	const requests: LoggedRequest[] = [];
	const pause = () => new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 0));

	/** Writes a body (or the Range asked for) in chunks; the connection may close midway. */
	async function send(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, headers: Record<string, string>, file: string) {
		const etag = headers.ETag;
		if (etag && req.headers['if-none-match'] === etag) return void res.writeHead(304, headers).end();
		let body = bytes;
		if (options.corrupt === file) {
			body = bytes.slice();
			body[body.length - 1] ^= 0xff;
		}
		let status = 200;
		const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
		if (req.headers.range) {
			const from = range ? Number(range[1]) : NaN;
			const to = range && range[2] !== '' ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
			if (!(from <= to)) return void res.writeHead(416, { ...headers, 'Content-Range': `bytes */${body.length}` }).end();
			status = 206;
			headers['Content-Range'] = `bytes ${from}-${to}/${body.length}`;
			body = body.subarray(from, to + 1);
		}
		res.writeHead(status, { ...headers, 'Accept-Ranges': 'bytes', 'Content-Length': String(body.length) });
		if (req.method === 'HEAD') return void res.end();
		const chunk = options.chunk ?? 64 * 1024;
		for (let at = 0; at < body.length && !res.destroyed; at += chunk) {
			res.write(body.subarray(at, at + chunk));
			if (at + chunk < body.length) await pause();
		}
		res.end();
	}

	async function handle(req: IncomingMessage, res: ServerResponse) {
		const url = new URL(req.url!, 'http://localhost');
		const auth = req.headers.authorization ?? null;
		requests.push({ method: req.method!, path: url.pathname, authorization: auth, range: req.headers.range ?? null });
		if (options.cors !== false) {
			res.setHeader('Access-Control-Allow-Origin', '*');
			res.setHeader('Access-Control-Expose-Headers', EXPOSED);
		}
		if (req.method === 'OPTIONS') {
			res.writeHead(204, { 'Access-Control-Allow-Headers': 'Authorization, Range, If-None-Match', 'Access-Control-Allow-Methods': 'GET, HEAD' });
			return void res.end();
		}
		const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
		if (cdn) {
			const blob = blobs.get(cdn[1]);
			if (!blob) return refuse(res, 404, 'EntryNotFound', 'No such object.');
			return send(req, res, blob, { ETag: `"${cdn[1]}"`, 'Content-Type': 'application/octet-stream' }, url.searchParams.get('file') ?? '');
		}
		const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
		const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
		const [, name, rawRevision, rawFile] = api ?? resolve ?? [];
		if (!name) return refuse(res, 404, 'NotFound', 'Not found.');
		const repo = byName.get(name);
		if (!repo) return refuse(res, auth ? 404 : 401, 'RepoNotFound', 'Repository not found.');
		const revision = decodeURIComponent(rawRevision);
		const commit = repo.refs[revision] ?? (repo.commits[revision] ? revision : undefined);
		if (!commit) return refuse(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
		const files = repo.commits[commit];
		if (api) {
			const blobsToo = url.searchParams.get('blobs') === 'true';
			const siblings = Object.entries(files).map(([rfilename, bytes]) => ({
				rfilename,
				...(blobsToo ? { blobId: gitBlobId(bytes), size: bytes.length, ...(isLfs(rfilename) ? { lfs: { sha256: sha256(bytes), size: bytes.length, pointerSize: 134 } } : {}) } : {})
			}));
			res.writeHead(200, { 'Content-Type': 'application/json' });
			return void res.end(JSON.stringify({ id: repo.repo, sha: commit, gated: repo.gatedToken ? 'manual' : false, siblings }));
		}
		if (repo.gatedToken && auth !== `Bearer ${repo.gatedToken}`) {
			return refuse(res, auth ? 403 : 401, 'GatedRepo', `Access to model ${repo.repo} is restricted. You must have access to it and be authenticated to access it.`);
		}
		const file = rawFile.split('/').map(decodeURIComponent).join('/');
		const bytes = files[file];
		if (!bytes) return refuse(res, 404, 'EntryNotFound', `${file} does not exist on "${revision}"`);
		if (isLfs(file)) {
			const hash = sha256(bytes);
			res.writeHead(302, {
				Location: `/cdn/${hash}?file=${encodeURIComponent(file)}`,
				'X-Repo-Commit': commit,
				ETag: `"${hash}"`,
				'X-Linked-Etag': `"${hash}"`,
				'X-Linked-Size': String(bytes.length)
			});
			return void res.end();
		}
		return send(req, res, bytes, { 'X-Repo-Commit': commit, ETag: `"${gitBlobId(bytes)}"`, 'Content-Type': 'application/octet-stream' }, file);
	}

	const server = createServer((req, res) => {
		handle(req, res).catch((error) => {
			if (!res.headersSent) res.writeHead(500);
			res.end(String(error));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		endpoint: `http://127.0.0.1:${port}`,
		requests,
		options,
		drop: () => server.closeAllConnections(),
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
