import '../shared/telemetryOff';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSchemaFiles } from './schemaFiles';

/** `npm run schema`: prints each subgraph's SDL and the composed supergraph into schema/. */
async function main() {
  const dir = join(__dirname, '..', '..', 'schema');
  mkdirSync(dir, { recursive: true });
  const files = await renderSchemaFiles();
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    process.stdout.write(`wrote schema/${name}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`schema: ${(e as Error).message}\n`);
  process.exit(1);
});
