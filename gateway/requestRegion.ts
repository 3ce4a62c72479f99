import type { IncomingMessage } from 'node:http';
import { badInput, type ApiError } from '../shared/errors';
import { header, HEADER } from '../shared/http';
import type { RegionRegistry } from '../shared/regions';

/** The request's region (`x-region`, else the default), or BAD_USER_INPUT for a region the registry does not list. */
export function requestRegion(req: IncomingMessage, regions: RegionRegistry): { region: string } | { error: ApiError } {
  const asked = header(req, HEADER.region)?.trim();
  if (asked === undefined || asked === '') return { region: regions.defaultRegion };
  if (!regions.has(asked)) {
    const shown = asked.slice(0, 64);
    return { error: badInput(`Unknown region "${shown}"`, { region: shown }) };
  }
  return { region: asked };
}
