/**
 * One meaning, one colour, on every chart (Okabe & Ito's palette, distinguishable with the common
 * colour-vision deficiencies). Resident and read also differ by dash, so they stay apart in grey.
 */
export const OKABE_ITO = {
	black: '#000000',
	orange: '#E69F00',
	skyBlue: '#56B4E9',
	bluishGreen: '#009E73',
	yellow: '#F0E442',
	blue: '#0072B2',
	vermillion: '#D55E00',
	reddishPurple: '#CC79A7'
} as const;

/** KV memory: what stays in the cache, and what a decode step reads of it. */
export const KV_SERIES = {
	resident: { label: 'resident', colour: OKABE_ITO.blue, dash: 'none' },
	read: { label: 'read / step', colour: OKABE_ITO.vermillion, dash: '6 4' }
} as const;

/** The two sides of an A/B comparison, wherever runs are told apart by colour. */
export const RUN_COLOURS = { A: OKABE_ITO.bluishGreen, B: OKABE_ITO.reddishPurple } as const;
