/**
 * TensorFlow.js with its WASM backend, loaded through CommonJS: the union package registers
 * every gradient, and its ESM build cannot be imported by Node (directory imports).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');

export async function useWasm(): Promise<void> {
	await tf.setBackend('wasm');
	await tf.ready();
}
