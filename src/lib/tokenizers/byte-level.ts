/**
 * GPT-2's byte↔unicode table, which byte-level BPE tokenizers (GPT-2, Llama 3, Qwen2, SmolLM2)
 * use to write each byte as one printable character in their vocabularies: printable Latin-1
 * bytes stand for themselves, the others are moved to U+0100 onwards, in byte order.
 * (openai/gpt-2 encoder.py, bytes_to_unicode.)
 */
function table(): Map<string, number> {
	const printable = (byte: number) => (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
	const decoder = new Map<string, number>();
	let moved = 0;
	for (let byte = 0; byte < 256; byte++) {
		decoder.set(String.fromCharCode(printable(byte) ? byte : 256 + moved++), byte);
	}
	return decoder;
}

/** Character of a byte-level token → the byte it stands for. */
export const BYTE_LEVEL_DECODER: ReadonlyMap<string, number> = table();
