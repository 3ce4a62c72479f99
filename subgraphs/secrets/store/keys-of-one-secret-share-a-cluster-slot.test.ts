import { secretKeyNames, indexKeyNames } from './secretStore';

// ioredis' own slot function (a dependency of ioredis): the slot Redis Cluster would use.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const keySlot: (key: string) => number = require('cluster-key-slot');

test('every key of one secret maps to one cluster slot, so its scripts run on Redis Cluster', () => {
  for (const [project, path] of [['acme', 'app/db/password'], ['p:x', 'a'], ['default', 'x'.repeat(512)]]) {
    const slots = new Set(Object.values(secretKeyNames(project, path)).map(keySlot));
    expect(slots.size).toBe(1);
  }
});

test('the indexes of one project share a slot, so create/delete update them in one MULTI', () => {
  const a = indexKeyNames('acme', { region: 'us-east-1', identity: 'k1' });
  const b = indexKeyNames('acme', { region: 'eu-west-1', identity: 'other' });
  expect(new Set([a.all, a.bound!, b.bound!].map(keySlot)).size).toBe(1);
});

test('different secrets spread over slots (the tag is per secret, not per project)', () => {
  const slots = new Set(Array.from({ length: 50 }, (_, i) => keySlot(secretKeyNames('acme', `s/${i}`).meta)));
  expect(slots.size).toBeGreaterThan(40);
});
