import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

describe('client/src/generated/ is in step with schema/api.graphql and client/operations/', () => {
  it('the committed generated code equals what codegen produces now (run `npm run codegen`)', () => {
    // In a plain Node process: the codegen CLI loads ESM-only modules that jest's CommonJS runtime cannot.
    const out = execFileSync(
      process.execPath,
      ['-e', "require('./dist/scripts/clientCodegen').renderClientCode().then((f) => process.stdout.write(JSON.stringify(f)))"],
      { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    const files = JSON.parse(out) as Record<string, string>;
    expect(Object.keys(files)).toEqual([join('client', 'src', 'generated', 'graphql.ts')]);
    for (const [name, text] of Object.entries(files)) {
      expect({ file: name, text: readFileSync(join(root, name), 'utf8') }).toEqual({ file: name, text });
    }
  });
});
