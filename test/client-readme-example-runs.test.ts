import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { startStack, type Stack } from './support/stack';

/**
 * The README's "Use it from a service" example, as written: it type-checks against the built
 * package and, run by Node from the repository root against the stack, prints what its comments say.
 */
const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Use it from a service'), readme.indexOf('<!-- smk CLI -->'));
const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'client-readme', kms: true, secrets: true });
});
afterAll(async () => stack?.stop());

test('the example type-checks against @secrets-kms/client (dist types)', () => {
  expect(example).toContain("from '@secrets-kms/client'");
  const file = join(root, 'readme-example.ts');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: ['node'], esModuleInterop: true, skipLibCheck: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, example, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host));
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  // A whole program with @types/node: slow on a busy machine, and not a timing assertion.
}, 90_000);

test('run as written, it prints what its comments promise', async () => {
  const js = ts.transpileModule(example, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', js], {
    cwd: root,
    env: { ...process.env, SMK_URL: `${stack.gatewayUrl}`, SMK_TOKEN: stack.rootToken },
  });
  const promised = [...example.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
  expect(promised).toHaveLength(4);
  expect({ stdout: stdout.trim().split('\n'), stderr }).toEqual({ stdout: promised, stderr: '' });
});
