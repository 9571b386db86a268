/**
 * Writes a fixture model: `npm run fixture:model [dir]` the one the browser tests use,
 * `npm run fixture:model -- --family NAME dir` a family's tiny model (tests/fixtures/families.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAMILIES, familyModel, type FamilyName } from '../tests/fixtures/families';
import { fixtureModel } from '../tests/fixtures/fixture-model';

const args = process.argv.slice(2);
const family = args[0] === '--family' ? args[1] : null;
if (family !== null && !Object.hasOwn(FAMILIES, family)) throw new Error(`No family "${family}" (families: ${Object.keys(FAMILIES).join(', ')}).`);
const dir = (family ? args[2] : args[0]) ?? 'tests/fixtures/tiny-gqa';
const { config, safetensors } = family ? familyModel(family as FamilyName) : fixtureModel();
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
writeFileSync(join(dir, 'model.safetensors'), safetensors);
console.log(`wrote ${dir}: ${safetensors.byteLength} bytes of weights`);
