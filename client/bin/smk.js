#!/usr/bin/env node
'use strict';
// The smk command line, compiled from src/cli/main.ts (`npm run build` at the repository root).
require('../dist/cli/main.js').cli();
