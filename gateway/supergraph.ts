import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest ancestor holding package.json (works from gateway/ and dist/gateway/). */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

/** The composed supergraph that `npm run schema` writes to schema/supergraph.graphql. */
export function loadSupergraphSdl(path: string = join(repoRoot(), 'schema', 'supergraph.graphql')): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new Error(`cannot read the supergraph at ${path}: run \`npm run schema\` first`);
  }
}
