#!/usr/bin/env node
// Placeholder until the smk CLI lands: it will load ../dist/cli.
process.stderr.write('smk: not built yet\n');
process.exit(1);
