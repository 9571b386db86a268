/** Which model the shared engine worker holds, for every page that uses it. */
import type { ModelSummary } from './protocol';

export const loadedModel: { summary: ModelSummary | null; name: string | null } = $state({ summary: null, name: null });
