import { mergeBatches, splitByRegion, type BatchResult } from './entitySplit';

const known = (r: string) => ['us-east-1', 'eu-west-1', 'ap-southeast-2'].includes(r);

describe('splitByRegion', () => {
  it('groups by the region key field, keeps original positions, sets aside unknown regions', () => {
    const reps = [
      { __typename: 'KmsKey', region: 'eu-west-1', identity: 'a' },
      { __typename: 'KmsKey', region: 'us-east-1', identity: 'b' },
      { __typename: 'KmsKey', region: 'zz-nowhere-1', identity: 'c' },
      { __typename: 'KmsKey', region: 'eu-west-1', identity: 'd' },
      { __typename: 'Other', id: 'e' },
      null,
    ];
    const { batches, unknown } = splitByRegion(reps, 'us-east-1', known);
    expect(batches.map((b) => [b.region, b.indices, b.representations.map((r) => r.identity ?? r.id)])).toEqual([
      ['eu-west-1', [0, 3], ['a', 'd']],
      ['us-east-1', [1, 4], ['b', 'e']],
    ]);
    expect(unknown).toEqual([2, 5]);
  });
});

describe('mergeBatches', () => {
  const batches = [
    { region: 'eu-west-1', indices: [0, 3], representations: [{}, {}] },
    { region: 'us-east-1', indices: [1, 4], representations: [{}, {}] },
  ];

  it('puts entities back in order, renumbers entity error paths, nulls what is not covered', () => {
    const results: BatchResult[] = [
      { ok: true, entities: [{ id: 'A' }, null], errors: [{ message: 'nf', path: ['_entities', 1, 'type'], extensions: { code: 'NOT_FOUND' } }] },
      { ok: true, entities: [{ id: 'B' }, { id: 'E' }] },
    ];
    const merged = mergeBatches(6, batches, results);
    expect(merged._entities).toEqual([{ id: 'A' }, { id: 'B' }, null, null, { id: 'E' }, null]);
    expect(merged.errors).toEqual([{ message: 'nf', path: ['_entities', 3, 'type'], extensions: { code: 'NOT_FOUND' } }]);
  });

  it('a failed region nulls only its entities, with one error per entity at its original index', () => {
    const results: BatchResult[] = [
      { ok: false, errorFor: (path) => ({ message: 'down', path, extensions: { code: 'REGION_UNAVAILABLE', region: 'eu-west-1' } }) },
      { ok: true, entities: [{ id: 'B' }, { id: 'E' }] },
    ];
    const merged = mergeBatches(5, batches, results);
    expect(merged._entities).toEqual([null, { id: 'B' }, null, null, { id: 'E' }]);
    expect(merged.errors.map((e) => e.path)).toEqual([['_entities', 0], ['_entities', 3]]);
  });

  it('a region answer of the wrong length is not trusted (nulls, errors kept)', () => {
    const results: BatchResult[] = [
      { ok: true, entities: [{ id: 'A' }], errors: [{ message: 'x', extensions: { code: 'UNAUTHENTICATED' } }] },
      { ok: true, entities: null },
    ];
    const merged = mergeBatches(5, batches, results);
    expect(merged._entities).toEqual([null, null, null, null, null]);
    expect(merged.errors).toEqual([
      { message: 'x', extensions: { code: 'UNAUTHENTICATED' } },
      { message: 'Internal server error', path: ['_entities', 1], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
  });
});
