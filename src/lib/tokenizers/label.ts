/**
 * Printable labels for token strips and heatmap axes, shared by every tokenizer so one token
 * reads the same whichever tokenizer produced it: spaces and newlines stay visible, and bytes that
 * are not text on their own (control bytes, part of a character split across tokens) show as
 * <0xNN>.
 */
const strict = new TextDecoder('utf-8', { fatal: true });

const hex = (byte: number) => `<0x${byte.toString(16).padStart(2, '0').toUpperCase()}>`;

/** Length of the UTF-8 sequence a lead byte opens; 0 for a byte that opens none. */
const sequenceLength = (lead: number) => (lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0);

/** The character a well-formed sequence at `at` encodes, or null. */
function charAt(bytes: Uint8Array, at: number): string | null {
	const length = sequenceLength(bytes[at]);
	if (length === 0 || at + length > bytes.length) return null;
	try {
		return strict.decode(bytes.subarray(at, at + length));
	} catch {
		return null;
	}
}

export function bytesLabel(bytes: Uint8Array): string {
	let label = '';
	for (let at = 0; at < bytes.length; ) {
		const char = charAt(bytes, at);
		const code = char?.codePointAt(0) ?? -1;
		if (char === null || code < 0x20 || code === 0x7f) {
			label += char === '\n' ? '⏎' : hex(bytes[at]);
			at++;
		} else {
			label += char === ' ' ? '␣' : char;
			at += sequenceLength(bytes[at]);
		}
	}
	return label;
}
