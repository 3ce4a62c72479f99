import { ApiError, forbidden } from '../../../shared/errors';
import { RegionRegistry } from '../../../shared/regions';
import { KeyStatusReads } from './keyStatuses';

/**
 * Secret.kmsKey { status } reads, without a server: one call per region for its keys, in order; a
 * region the registry does not know is null without any call or check (as the gateway's entity
 * split); a region without a KMS is REGION_UNAVAILABLE (Retry-After 60, as the gateway gives it)
 * before any check; a refused check or a failed call is the error of exactly that region's keys.
 */
const regions = new RegionRegistry('us-east-1', [
  { name: 'us-east-1', kmsUrl: 'http://127.0.0.1:1/graphql' },
  { name: 'eu-west-1', kmsUrl: 'http://127.0.0.1:2/graphql' },
  { name: 'ap-southeast-2', kmsUrl: null },
]);
const call = { caller: { tokenId: 't1', project: 'acme' }, requestId: 'r1', deadline: 123 };

function reads(answer: (region: string, identities: string[]) => Promise<(string | null)[]>) {
  const calls: { region: string; identities: string[]; requestId: string; deadline?: number }[] = [];
  const kms = {
    keyStatuses: (req: { region: string; identities: string[]; requestId: string; deadline?: number }) => {
      calls.push({ region: req.region, identities: req.identities, requestId: req.requestId, deadline: req.deadline });
      return answer(req.region, req.identities);
    },
  };
  return { r: new KeyStatusReads(kms as never, regions), calls };
}

test('one call per region, answers back in input order; unknown region null, no KMS → REGION_UNAVAILABLE', async () => {
  const { r, calls } = reads(async (region, ids) => ids.map((id) => (id === 'gone' ? null : `${region}:${id}`)));
  const admitted: string[] = [];
  const out = await r.many(call, [
    { region: 'eu-west-1', identity: 'a' },
    { region: 'us-east-1', identity: 'b' },
    { region: 'mars-north-1', identity: 'c' },
    { region: 'eu-west-1', identity: 'gone' },
    { region: 'ap-southeast-2', identity: 'd' },
    { region: 'us-east-1', identity: 'e' },
  ], async (region) => void admitted.push(region));
  expect(out.slice(0, 4)).toEqual(['eu-west-1:a', 'us-east-1:b', null, null]);
  expect(out[5]).toBe('us-east-1:e');
  expect(out[4]).toBeInstanceOf(ApiError);
  expect((out[4] as ApiError).extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'ap-southeast-2', retryAfter: 60 });
  expect(calls.sort((x, y) => x.region.localeCompare(y.region))).toEqual([
    { region: 'eu-west-1', identities: ['a', 'gone'], requestId: 'r1', deadline: 123 },
    { region: 'us-east-1', identities: ['b', 'e'], requestId: 'r1', deadline: 123 },
  ]);
  // Checked for the regions called only: the others never reach a KMS (nor did they on the entity path).
  expect(admitted.sort()).toEqual(['eu-west-1', 'us-east-1']);
});

test("a refused check is its region's keys' error, and that region is not called; a failed call likewise", async () => {
  const down = new ApiError('REGION_UNAVAILABLE', 'KMS is not available in region us-east-1', { region: 'us-east-1', retryAfter: 1 });
  const { r, calls } = reads(async (region, ids) => {
    if (region === 'us-east-1') throw down;
    return ids.map(() => 'ACTIVE');
  });
  const refused = forbidden('Token lacks the scope "kms:read"');
  const keys = [{ region: 'us-east-1', identity: 'a' }, { region: 'eu-west-1', identity: 'b' }, { region: 'us-east-1', identity: 'c' }];
  const denied = await r.many(call, keys, async (region) => {
    if (region === 'eu-west-1') throw refused;
  });
  expect(denied).toEqual([down, refused, down]);
  expect(calls.map((c) => c.region)).toEqual(['us-east-1']);
});
