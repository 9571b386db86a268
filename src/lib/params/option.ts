/** What every choice an experiment can make (a task, a technique) declares about itself. */
import type { ParamSpecs } from './param-spec';

export interface OptionMeta {
	/** Stable URL id, e.g. `sink-window`. Never rename: shared links depend on it. */
	id: string;
	name: string;
	/** One line a workshop attendee understands. */
	summary: string;
	params: ParamSpecs;
}
