#!/usr/bin/env node
// Entry point for `npx v6stack`: loads the TypeScript sources through tsx, so the command always
// runs the code in src/ with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
