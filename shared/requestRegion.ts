import type { IncomingMessage } from 'node:http';
import { badInput, type ApiError } from './errors';
import { header, HEADER } from './http';
import type { RegionRegistry } from './regions';

/**
 * The request's region (`x-region`, else the default), or BAD_USER_INPUT for a region the registry
 * does not list. The gateway checks the client's header with it, and each subgraph the header it
 * was sent, so both answer an unknown region alike.
 */
export function requestRegion(req: IncomingMessage, regions: RegionRegistry): { region: string } | { error: ApiError } {
  const asked = header(req, HEADER.region)?.trim();
  if (asked === undefined || asked === '') return { region: regions.defaultRegion };
  if (!regions.has(asked)) {
    const shown = asked.slice(0, 64);
    return { error: badInput(`Unknown region "${shown}"`, { region: shown }) };
  }
  return { region: asked };
}
