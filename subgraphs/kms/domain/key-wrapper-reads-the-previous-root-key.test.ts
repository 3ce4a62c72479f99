import { randomBytes } from 'node:crypto';
import { KeyWrapper } from './keyWrapper';

/** During a root-key rotation the KMS opens blobs under either key and wraps under the new one alone. */
const ref = { region: 'us-east-1', project: 'default', identity: 'k', version: 1 };
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const material = randomBytes(32);

it('unwraps a blob of the previous root key, and wraps only under the current one', () => {
  const old = new KeyWrapper(oldKey);
  const underOld = old.wrap(ref, material);
  const rotating = new KeyWrapper(newKey, oldKey);
  expect(rotating.unwrap(ref, underOld)).toEqual(material);
  expect(rotating.isCurrent(ref, underOld)).toBe(false);
  const underNew = rotating.wrap(ref, material);
  expect(rotating.isCurrent(ref, underNew)).toBe(true);
  expect(() => old.unwrap(ref, underNew)).toThrow('failed authentication');
  // Once the previous key is gone, an old blob no longer opens.
  expect(() => new KeyWrapper(newKey).unwrap(ref, underOld)).toThrow('failed authentication');
  // The previous key does not lift the binding to key and version.
  expect(() => rotating.unwrap({ ...ref, version: 2 }, underOld)).toThrow('failed authentication');
});
