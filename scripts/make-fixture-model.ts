/** Writes the fixture model used by the browser tests: `npm run fixture:model [dir]`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureModel } from '../tests/fixtures/fixture-model';

const dir = process.argv[2] ?? 'tests/fixtures/tiny-gqa';
const { config, safetensors } = fixtureModel();
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
writeFileSync(join(dir, 'model.safetensors'), safetensors);
console.log(`wrote ${dir}: ${safetensors.byteLength} bytes of weights`);
