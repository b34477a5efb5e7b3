#!/usr/bin/env node
// Entry point for `npx gatehouse`: the CLI is TypeScript, run by Node's type stripping.
import '../src/main/cli.ts';
