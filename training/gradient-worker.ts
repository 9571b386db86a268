/** Worker-thread entry point of `GradientWorker` (see gradients.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { serveGradients } from './gradients';
import { useWasm } from './tf';

await useWasm();
serveGradients(parentPort!, workerData.shape);
