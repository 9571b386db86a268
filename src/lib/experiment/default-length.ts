/**
 * The prompt length a lab link that names none runs at: the loaded model's trained context, where
 * its answers mean something, capped at the field's default so a model trained on 128 k tokens
 * does not start a run of minutes in the browser.
 */
import type { ModelConfig } from '../engine/config';
import { FIELDS } from '../params/fields';

export function defaultLength(config: Pick<ModelConfig, 'maxPositions'>): number {
	return Math.max(FIELDS.len.min, Math.min(config.maxPositions, FIELDS.len.default));
}
