/**
 * Untrusted text shown in a message (a link's key, a tensor's name, a config's value): short, and
 * with every character that could hide or reorder what the message says made visible.
 */

/** Characters of untrusted text echoed in a message. */
const ECHO_LENGTH = 40;

/**
 * Control, format (bidirectional overrides, zero-width) and line-separator characters, which
 * would hide or reorder what a message shows; they are echoed as \u{…} escapes.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** At most {@link ECHO_LENGTH} code points, invisibles escaped. */
export function visible(text: string): string {
	let short = text;
	if (text.length > ECHO_LENGTH) {
		// A code point takes at most two units, so this slice holds more than ECHO_LENGTH whenever the text does.
		const points = Array.from(text.slice(0, 2 * ECHO_LENGTH + 1));
		if (points.length > ECHO_LENGTH) short = `${points.slice(0, ECHO_LENGTH - 1).join('')}…`;
	}
	return short.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`);
}

/** An untrusted value in a message: quoted, short, invisibles escaped (non-text is shown as JSON). */
export function quote(raw: unknown): string {
	const text = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
	return `"${visible(text)}"`;
}
