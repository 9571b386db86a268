import { error } from '@sveltejs/kit';
import { loadNotebook } from '$lib/notebooks';
import type { PageLoad } from './$types';

export const load: PageLoad = ({ params }) => {
	try {
		const notebook = loadNotebook(params.slug);
		if (!notebook) error(404, `There is no notebook called "${params.slug}".`);
		return { notebook };
	} catch (e) {
		if (e && typeof e === 'object' && 'status' in e) throw e;
		return { notebook: null, problem: e instanceof Error ? e.message : String(e) };
	}
};
