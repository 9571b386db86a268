/** The tasks an experiment can run; the first is the default. */
import { yourDocument } from './document';
import { freeText } from './free';
import { kvRetrieval } from './kv-retrieval';
import { lines } from './lines';
import { niah } from './niah';
import { passkey } from './passkey';
import type { TaskDefinition } from './types';
import { withChatToggle } from './chat';
import { variableTracking } from './variable-tracking';

export const tasks: readonly TaskDefinition[] = [passkey, niah, kvRetrieval, variableTracking, lines, freeText, yourDocument].map(withChatToggle);

export function findTask(id: string): TaskDefinition | undefined {
	return tasks.find((task) => task.id === id);
}
