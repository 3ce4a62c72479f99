import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string }; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };

describe('the runtime is a supported Node.js LTS and installing runs no package scripts', () => {
  it('builds and runs the image on Node 22 LTS (Node 20 is past its end of life)', () => {
    const froms = [...readFileSync(join(root, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const image of froms) expect(image).toMatch(/^node:22-bookworm-slim$/);
  });

  it('engines admits the Node 20 the tests run on and the Node 22 the image runs', () => {
    // The floors our dependencies declare: yargs (codegen) ^20.19 || ^22.12, @whatwg-node/promise-helpers >=22.15.
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.15.0');
    const [major, minor] = process.versions.node.split('.').map(Number);
    expect(major > 22 || (major === 22 && minor >= 15) || (major === 20 && minor >= 19)).toBe(true);
  });

  it('every locked package with an install script is switched off in allowScripts', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(withScripts.filter((name) => pkg.allowScripts?.[name] !== false)).toEqual([]);
  });
});
