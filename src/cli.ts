#!/usr/bin/env node
import { main } from './cli/main.js';
import { ConfigError } from './config/settings.js';
import { InputError } from './errors/domain-errors.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A bad setting or input is the user's to fix: its message says how. Anything else is a bug: its stack.
    console.error(error instanceof ConfigError || error instanceof InputError ? error.message : error);
    process.exit(1);
  },
);
