import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSupergraphSdl, repoRoot } from './supergraph';

describe('supergraph location', () => {
  it('finds the repository root from the sources and from dist/gateway alike', () => {
    const fromSource = repoRoot(__dirname);
    expect(existsSync(join(fromSource, 'package.json'))).toBe(true);
    expect(existsSync(join(fromSource, 'gateway', 'server.ts'))).toBe(true);
    expect(repoRoot(join(fromSource, 'dist', 'gateway'))).toBe(fromSource);
  });

  it('names the missing file and the command that makes it', () => {
    expect(() => loadSupergraphSdl('/nonexistent/supergraph.graphql')).toThrow(/\/nonexistent\/supergraph.graphql.*npm run schema/);
  });
});
