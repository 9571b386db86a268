export { tasks, findTask } from './registry';
export { scoreOutput, type Score } from './score';
export { taskInstance } from './instance';
export { TaskError, type TaskDefinition, type TaskInstance, type TaskParams, type TokenSpan } from './types';
