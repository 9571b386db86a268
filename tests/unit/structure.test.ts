/**
 * Dependencies between the folders of src/lib point one way: no folder imports, directly or
 * through others, a folder that imports it back. A cycle makes every change ripple both ways.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = 'src/lib';
const IMPORT = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;

function sources(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return sources(path);
		return /\.(ts|svelte)$/.test(name) ? [path] : [];
	});
}

/** A module's folder under src/lib ('.' for files at its top). */
const folderOf = (path: string) => {
	const parts = relative(LIB, path).split('/');
	return parts.length > 1 ? parts[0] : '.';
};

/** folder → folders it imports, each with one file that does, to name in a failure. */
function folderGraph(): Map<string, Map<string, string>> {
	const graph = new Map<string, Map<string, string>>();
	for (const file of sources(LIB)) {
		const from = folderOf(file);
		for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
			const target = spec.startsWith('$lib/') ? join(LIB, spec.slice(5)) : spec.startsWith('.') ? normalize(join(dirname(file), spec)) : null;
			if (!target || relative(LIB, target).startsWith('..')) continue;
			const to = folderOf(target);
			if (to === from) continue;
			if (!graph.has(from)) graph.set(from, new Map());
			if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, relative(LIB, file));
		}
	}
	return graph;
}

/** The first cycle found, as a path of folders that starts and ends at the same one. */
function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
	const state = new Map<string, 'open' | 'done'>();
	const path: string[] = [];
	const visit = (node: string): string[] | null => {
		if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
		if (state.get(node) === 'done') return null;
		state.set(node, 'open');
		path.push(node);
		for (const next of graph.get(node)?.keys() ?? []) {
			const cycle = visit(next);
			if (cycle) return cycle;
		}
		path.pop();
		state.set(node, 'done');
		return null;
	};
	for (const node of graph.keys()) {
		const cycle = visit(node);
		if (cycle) return cycle;
	}
	return null;
}

describe('folder dependencies', () => {
	it('form no cycle', () => {
		const graph = folderGraph();
		const cycle = findCycle(graph);
		const explained = cycle?.slice(1).map((to, i) => `${cycle[i]} → ${to} (${graph.get(cycle[i])!.get(to)})`);
		expect(explained ?? []).toEqual([]);
	});

	it('finds a cycle when there is one', () => {
		const graph = new Map([
			['a', new Map([['b', 'a/x.ts']])],
			['b', new Map([['c', 'b/y.ts']])],
			['c', new Map([['a', 'c/z.ts']])]
		]);
		expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
		graph.get('c')!.clear();
		expect(findCycle(graph)).toBeNull();
	});

	it('keeps the parameter vocabulary free of every other folder', () => {
		expect([...(folderGraph().get('params')?.keys() ?? [])]).toEqual([]);
	});
});
