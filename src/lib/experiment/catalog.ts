/**
 * The catalog: every choice an experiment can make, with its parameters. The URL codec, the
 * schema and the lab's controls are generated from it, so adding a technique or a task to a
 * registry is all it takes to make it addressable.
 */
import type { OptionMeta } from '../params/option';

export type { OptionMeta };

/** The slots of an experiment that each pick one option; the first option is the default. */
export const SLOTS = ['task', 'attn', 'kv', 'prune', 'pos'] as const;
export type Slot = (typeof SLOTS)[number];

export const SLOT_NAMES: Record<Slot, string> = {
	task: 'task',
	attn: 'attention pattern',
	kv: 'KV-cache policy',
	prune: 'token pruner',
	pos: 'position scheme'
};

export type Catalog = Readonly<Record<Slot, readonly OptionMeta[]>>;

export function findOption(catalog: Catalog, slot: Slot, id: string): OptionMeta | undefined {
	return catalog[slot].find((option) => option.id === id);
}

export function defaultOption(catalog: Catalog, slot: Slot): OptionMeta {
	const option = catalog[slot][0];
	if (!option) throw new Error(`The catalog has no ${SLOT_NAMES[slot]}`);
	return option;
}
