import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchemaFiles } from '../scripts/schemaFiles';

describe('schema/ is in step with the code', () => {
  it('committed subgraph SDL and supergraph equal what the code produces (run `npm run schema`)', async () => {
    const files = await renderSchemaFiles();
    for (const [name, text] of Object.entries(files)) {
      const committed = readFileSync(join(__dirname, '..', 'schema', name), 'utf8');
      expect({ file: name, text: committed }).toEqual({ file: name, text });
    }
  });
});
