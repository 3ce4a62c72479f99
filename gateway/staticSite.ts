import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { repoRoot } from './supergraph';

/**
 * The web console (/console) and the bundled GraphQL explorer (/explorer): static files the
 * gateway serves from a table built at start. A request is answered only when its path is a key
 * of that table, so no path the client sends is ever joined onto the file system (no traversal).
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Everything from this origin, nothing inline and nothing from elsewhere. GraphiQL's CSS embeds
 * its fonts and icons as data: URIs, hence data: for fonts and images.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  file: string;
  type: string;
  /** Pages are never cached (a new release shows at once); assets are revalidated by ETag. */
  page: boolean;
}

export interface StaticSiteOptions {
  /** Serve /explorer (the gateway passes config.introspection). */
  explorer: boolean;
  /** Repository (or image) root holding console/static and dist/console; GraphiQL and React resolve as dependencies of the gateway. */
  root?: string;
}

function filesOf(dir: string, exts: string[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => exts.includes(extname(f)) && statSync(join(dir, f)).isFile());
}

/** URL path → file: the whole surface the site can ever serve. */
export function siteTable(opts: StaticSiteOptions): Map<string, Asset> {
  const root = opts.root ?? repoRoot();
  const staticDir = join(root, 'console', 'static');
  const compiled = join(root, 'dist', 'console');
  const table = new Map<string, Asset>();
  const add = (url: string, file: string) => {
    const type = TYPES[extname(file)];
    if (type) table.set(url, { file, type, page: extname(file) === '.html' });
  };
  for (const f of filesOf(staticDir, ['.css', '.png', '.svg'])) add(`/console/${f}`, join(staticDir, f));
  for (const f of filesOf(compiled, ['.js'])) {
    if (f !== 'explorer.js') add(`/console/js/${f}`, join(compiled, f));
  }
  add('/console', join(staticDir, 'index.html'));
  add('/console/', join(staticDir, 'index.html'));
  if (opts.explorer) {
    add('/explorer', join(staticDir, 'explorer.html'));
    add('/explorer/', join(staticDir, 'explorer.html'));
    add('/explorer/explorer.js', join(compiled, 'explorer.js'));
    add('/explorer/session.js', join(compiled, 'session.js'));
    add('/explorer/explorer.css', join(staticDir, 'explorer.css'));
    // The packages' prebuilt bundles; React's `exports` hide umd/, so go through package.json.
    const pkg = (name: string) => dirname(require.resolve(`${name}/package.json`));
    add('/explorer/graphiql.min.js', join(pkg('graphiql'), 'graphiql.min.js'));
    add('/explorer/graphiql.min.css', join(pkg('graphiql'), 'graphiql.min.css'));
    add('/explorer/react.production.min.js', join(pkg('react'), 'umd', 'react.production.min.js'));
    add('/explorer/react-dom.production.min.js', join(pkg('react-dom'), 'umd', 'react-dom.production.min.js'));
  }
  return table;
}

/**
 * A handler for the gateway: answers (and returns true) for the site's paths, returns false for
 * every other path so the gateway's own routes run.
 */
export function staticSite(opts: StaticSiteOptions) {
  const table = siteTable(opts);
  const etags = new Map<string, { mtimeMs: number; etag: string }>();
  const etagOf = (file: string): string => {
    const { mtimeMs } = statSync(file);
    const known = etags.get(file);
    if (known && known.mtimeMs === mtimeMs) return known.etag;
    const etag = `"${createHash('sha256').update(readFileSync(file)).digest('base64url').slice(0, 27)}"`;
    etags.set(file, { mtimeMs, etag });
    return etag;
  };

  return function serve(req: IncomingMessage, res: ServerResponse, path: string, headers: Record<string, string>): boolean {
    if (path !== '/console' && path !== '/explorer' && !path.startsWith('/console/') && !path.startsWith('/explorer/')) return false;
    const common = { ...headers, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    const asset = table.get(path);
    if (!asset || !existsSync(asset.file)) {
      res.writeHead(404, { ...common, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('not found');
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...common, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed');
      return true;
    }
    const out: Record<string, string> = { ...common, 'content-type': asset.type };
    if (asset.page) {
      out['content-security-policy'] = CONTENT_SECURITY_POLICY;
      out['cache-control'] = 'no-store';
    } else {
      out['cache-control'] = 'no-cache';
      out.etag = etagOf(asset.file);
      if (req.headers['if-none-match'] === out.etag) {
        res.writeHead(304, out);
        res.end();
        return true;
      }
    }
    const body = readFileSync(asset.file);
    out['content-length'] = String(body.length);
    res.writeHead(200, out);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
