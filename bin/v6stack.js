#!/usr/bin/env node
// Entry point for `npx v6stack`: loads the TypeScript sources through tsx, so the command always
// runs the code in src/ with no build step.
import { register } from 'tsx/esm/api';

register();
// Before any packet code is compiled: V8's inlining budget for the packet path (src/cli/engine.ts).
const { tuneEngineForPackets } = await import('../src/cli/engine.ts');
tuneEngineForPackets();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
