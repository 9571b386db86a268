#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx longscope …` works from a checkout.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/longscope.ts');
