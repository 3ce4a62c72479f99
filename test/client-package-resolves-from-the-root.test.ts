import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');

/** What `npm ci && npm run build` promises: the workspace package resolves from the root, as CommonJS with types. */
test('require("@secrets-kms/client") resolves into client/dist with .d.ts and gives createClient and SecretsKmsError', () => {
  const resolved = require.resolve('@secrets-kms/client', { paths: [root] });
  expect(relative(root, resolved)).toBe(join('client', 'dist', 'index.js'));
  expect(statSync(join(root, 'client', 'dist', 'index.d.ts')).isFile()).toBe(true);
  // Loaded by Node itself (not jest's transform): the built CommonJS.
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  const out = execFileSync(
    process.execPath,
    ['-e', "const c = require('@secrets-kms/client'); const e = new c.SecretsKmsError({ code: 'NOT_FOUND', message: 'm', requestId: 'r' }); process.stdout.write(JSON.stringify([typeof c.createClient, e instanceof Error, e.message, Object.keys(c.createClient({ url: 'http://x', token: 't' })).length]))"],
    { cwd: root, encoding: 'utf8' },
  );
  const [createType, isError, message, methods] = JSON.parse(out);
  expect([createType, isError, message]).toEqual(['function', true, 'NOT_FOUND: m (request id r)']);
  expect(methods).toBeGreaterThan(38);
  const pkg = JSON.parse(readFileSync(join(root, 'client', 'package.json'), 'utf8'));
  expect(pkg).toMatchObject({ name: '@secrets-kms/client', main: 'dist/index.js', types: 'dist/index.d.ts', bin: { smk: 'bin/smk.js' } });
});

/**
 * The core must run in a browser: only the package's own dependencies, no Node built-ins, no
 * Buffer. Node-only parts live apart: the CLI (cli/) and operator tools such as the audit archive
 * verifier (node/), which the core never imports.
 */
test('the client core (everything but cli/ and node/) imports no Node built-in and never touches Buffer', () => {
  const src = join(root, 'client', 'src');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (!['cli', 'node'].includes(relative(src, p))) walk(p);
      } else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(src);
  expect(files.length).toBeGreaterThan(5);
  for (const f of files) {
    const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const specifiers = [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    const foreign = specifiers.filter((s) => !s.startsWith('.') && s !== 'graphql' && s !== '@graphql-typed-document-node/core');
    expect({ file: relative(root, f), foreign, usesBuffer: /\bBuffer\b/.test(text) }).toEqual({ file: relative(root, f), foreign: [], usesBuffer: false });
  }
});
