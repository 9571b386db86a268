import { describe, expect, it } from 'vitest';
import { EVAL_ROWS, markdownTable, rowLabel, type EvalCell } from '../../training/eval';

describe('the model card evaluation table', () => {
	it('names each row by its task and parameters, the 2-character key–value row apart from the default', () => {
		const labels = EVAL_ROWS.map(rowLabel);
		expect(labels).toContain('kv-retrieval (chars 8)');
		expect(labels).toContain('kv-retrieval (chars 2)');
	});

	it('pools depths per row and length, rounding from the counts', () => {
		const cell = (task: string, length: number, depth: number, correct: number, total: number): EvalCell => ({ task, length, depth, correct, total, partial: correct / total });
		const cells = [cell('kv-retrieval-2', 256, 0, 20, 20), cell('kv-retrieval-2', 256, 1, 3, 20), cell('kv-retrieval', 256, 0, 0, 20), cell('passkey', 256, 0.5, 1, 3)];
		const lines = markdownTable(cells).split('\n');
		expect(lines[0]).toBe('| task | 256 tokens |');
		// 23 of 40 is 57.5 %, shown as 58 (0.575 · 100 would round to 57).
		expect(lines.find((l) => l.startsWith('| kv-retrieval (chars 2)'))).toBe('| kv-retrieval (chars 2) | 58 % (40) |');
		expect(lines.find((l) => l.startsWith('| kv-retrieval (chars 8)'))).toBe('| kv-retrieval (chars 8) | 0 % (20) |');
		expect(lines.find((l) => l.startsWith('| passkey'))).toBe('| passkey (digits 5) | 33 % (3) |');
		expect(lines.find((l) => l.startsWith('| lines'))).toBe('| lines | does not fit |');
	});
});
