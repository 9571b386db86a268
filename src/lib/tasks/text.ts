/** Seeded text material shared by the task generators and the lab models' training corpus. */
import { createRng, type Rng } from '../random';

/** LM-Infinite's passkey filler, also RULER's "repeat" noise, one sentence per unit. */
export const NOISE_SENTENCES = [
	'The grass is green.',
	'The sky is blue.',
	'The sun is yellow.',
	'Here we go.',
	'There and back again.'
] as const;

export const ADJECTIVES = [
	'amber', 'ancient', 'bitter', 'bold', 'brave', 'bright', 'calm', 'clever', 'cold', 'crimson',
	'curious', 'dark', 'distant', 'dusty', 'eager', 'early', 'empty', 'faint', 'fierce', 'gentle',
	'golden', 'grand', 'hidden', 'hollow', 'humble', 'icy', 'jolly', 'kind', 'late', 'lively',
	'lonely', 'loud', 'lucky', 'mellow', 'misty', 'narrow', 'noble', 'odd', 'pale', 'patient',
	'plain', 'proud', 'quick', 'quiet', 'rapid', 'rare', 'restless', 'rough', 'rusty', 'sandy',
	'shiny', 'silent', 'silver', 'sleepy', 'slow', 'smooth', 'soft', 'steady', 'stormy', 'sunny',
	'swift', 'tall', 'tiny', 'velvet'
] as const;

export const NOUNS = [
	'anchor', 'apple', 'arrow', 'badger', 'basket', 'beacon', 'bell', 'bridge', 'candle', 'canyon',
	'castle', 'cedar', 'cliff', 'cloud', 'comet', 'copper', 'crane', 'desert', 'dragon', 'engine',
	'falcon', 'feather', 'forest', 'fountain', 'garden', 'glacier', 'harbor', 'hammer', 'island', 'jungle',
	'kettle', 'lantern', 'lemon', 'marble', 'meadow', 'mirror', 'monkey', 'mountain', 'needle', 'ocean',
	'orchard', 'otter', 'palace', 'pebble', 'pepper', 'pillow', 'planet', 'pocket', 'puzzle', 'rabbit',
	'ribbon', 'river', 'rocket', 'saddle', 'shadow', 'signal', 'spider', 'squirrel', 'thunder', 'tiger',
	'tower', 'tunnel', 'violin', 'window'
] as const;

const PEOPLE = ['the farmer', 'the teacher', 'a child', 'the old sailor', 'my neighbour', 'the baker', 'a stranger', 'the captain'];
const VERBS = ['found', 'painted', 'carried', 'watched', 'remembered', 'built', 'lost', 'described', 'followed', 'mended'];
const PLACES = ['the village', 'the market', 'the hills', 'the station', 'the old mill', 'the harbour', 'the school', 'the valley'];
const TIMES = ['In the morning', 'Every spring', 'Long ago', 'After the storm', 'On Sundays', 'Late at night', 'Before dawn', 'In winter'];
const REASONS = ['because it was useful', 'since nobody else would', 'as the story goes', 'for no clear reason', 'to pass the time'];

/** An adjective-noun pair such as "quiet-harbor" (RULER's and LongChat's word keys). */
export function wordKey(rng: Rng): string {
	return `${rng.pick(ADJECTIVES)}-${rng.pick(NOUNS)}`;
}

/** A number of exactly `digits` digits without a leading zero, as text (any length). */
export function randomDigits(rng: Rng, digits: number): string {
	let text = String(rng.int(1, 9));
	for (let i = 1; i < digits; i++) text += String(rng.int(0, 9));
	return text;
}

/** One sentence of simple, essay-like prose (RULER's "essay" haystack, generated). */
export function essaySentence(rng: Rng): string {
	const the = (list: readonly string[]) => `the ${rng.pick(list)}`;
	switch (rng.int(0, 5)) {
		case 0:
			return `${rng.pick(TIMES)}, ${rng.pick(PEOPLE)} ${rng.pick(VERBS)} ${the(NOUNS)} near ${rng.pick(PLACES)}.`;
		case 1:
			return `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} was kept in ${rng.pick(PLACES)} ${rng.pick(REASONS)}.`;
		case 2:
			return `Nobody knew why ${rng.pick(PEOPLE)} ${rng.pick(VERBS)} ${the(NOUNS)}.`;
		case 3:
			return `${capitalise(rng.pick(PEOPLE))} said that ${the(NOUNS)} looked ${rng.pick(ADJECTIVES)} today.`;
		case 4:
			return `People in ${rng.pick(PLACES)} still talk about ${the(NOUNS)} and ${the(NOUNS)}.`;
		default:
			return `It was a ${rng.pick(ADJECTIVES)} day, and ${rng.pick(PEOPLE)} ${rng.pick(VERBS)} ${the(NOUNS)} again.`;
	}
}

function capitalise(text: string): string {
	return text[0].toUpperCase() + text.slice(1);
}

/** A source of haystack sentences: the repeated noise cycle, or fresh essay sentences. */
export function sentenceSource(kind: 'repeat' | 'essay', seed: number): () => string {
	if (kind === 'repeat') {
		let i = 0;
		return () => NOISE_SENTENCES[i++ % NOISE_SENTENCES.length];
	}
	const rng = createRng(seed);
	return () => essaySentence(rng);
}
