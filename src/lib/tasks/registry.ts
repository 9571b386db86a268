/** The tasks an experiment can run; the first is the default. */
import type { OptionMeta } from '$lib/experiment/catalog';

export const tasks: readonly OptionMeta[] = [
	{
		id: 'free',
		name: 'Free text',
		summary: 'Your own prompt: nothing is scored, every view still works.',
		params: {
			prompt: {
				kind: 'text',
				label: 'Prompt',
				maxLength: 200_000,
				default: 'Once upon a time'
			}
		}
	}
];
