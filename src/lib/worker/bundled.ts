/** Models shipped with the lab (static/models/index.json), loadable by id. */
export interface BundledModel {
	id: string;
	name: string;
	path: string;
}

export async function bundledModels(): Promise<BundledModel[]> {
	const response = await fetch('/models/index.json');
	if (!response.ok) return [];
	return (await response.json()) as BundledModel[];
}
