import { ApiError } from '../../../shared/errors';
import {
  validateDescription, validateExpectedVersion, validateMaxVersions, validatePath, validatePathPrefix, validateTags,
  validateValue, validateVersionList, validateFirst,
} from './secretInput';
import { pathPosition, versionPosition } from './cursor';

function code(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (e) {
    return e instanceof ApiError ? e.code : 'NOT_API_ERROR';
  }
}

test('paths follow the syntax of API.md', () => {
  for (const ok of ['a', 'app/db/password', 'A-Z_0.9@x+y=z', 'a/b.c/..d', '.hidden', 'x'.repeat(512)]) expect(code(() => validatePath(ok))).toBeNull();
  for (const bad of ['', '/a', 'a/', 'a//b', 'a/./b', 'a/../b', '.', '..', 'a b', 'a{b}', 'a:b', 'é', 'x'.repeat(513), 42, null]) {
    expect(code(() => validatePath(bad))).toBe('BAD_USER_INPUT');
  }
});

test('a path prefix is any leading part of a path', () => {
  expect(validatePathPrefix(undefined)).toBe('');
  expect(validatePathPrefix('app/')).toBe('app/');
  expect(code(() => validatePathPrefix('app/{x'))).toBe('BAD_USER_INPUT');
});

test('tags: at most 50, keys 1..128 and unique, values ≤ 256', () => {
  expect(validateTags([{ key: 'env', value: '' }, { key: 'team', value: 'core' }])).toEqual([{ key: 'env', value: '' }, { key: 'team', value: 'core' }]);
  expect(validateTags(null)).toEqual([]);
  expect(code(() => validateTags(Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }))))).toBe('BAD_USER_INPUT');
  expect(code(() => validateTags([{ key: '', value: 'v' }]))).toBe('BAD_USER_INPUT');
  expect(code(() => validateTags([{ key: 'k'.repeat(129), value: 'v' }]))).toBe('BAD_USER_INPUT');
  expect(code(() => validateTags([{ key: 'k', value: 'v'.repeat(257) }]))).toBe('BAD_USER_INPUT');
  expect(code(() => validateTags([{ key: 'k', value: 'a' }, { key: 'k', value: 'b' }]))).toBe('BAD_USER_INPUT');
  expect(code(() => validateTags([{ key: 'k\n', value: 'a' }]))).toBe('BAD_USER_INPUT');
});

test('maxVersions 1..1000, default 100; description ≤ 1024', () => {
  expect(validateMaxVersions(undefined)).toBe(100);
  expect(validateMaxVersions(1)).toBe(1);
  expect(validateMaxVersions(1000)).toBe(1000);
  for (const bad of [0, 1001, 1.5, -1, '5']) expect(code(() => validateMaxVersions(bad))).toBe('BAD_USER_INPUT');
  expect(validateDescription(null)).toBeNull();
  expect(code(() => validateDescription('d'.repeat(1025)))).toBe('BAD_USER_INPUT');
});

test('a value is a UTF-8 string of at most 64 KiB counted in bytes', () => {
  expect(validateValue('x'.repeat(65536))).toHaveLength(65536);
  expect(code(() => validateValue('x'.repeat(65537)))).toBe('BAD_USER_INPUT');
  // 3 bytes per char: 21846 chars = 65538 bytes > 64 KiB although far fewer characters.
  expect(code(() => validateValue('€'.repeat(21846)))).toBe('BAD_USER_INPUT');
  expect(code(() => validateValue('\ud800'))).toBe('BAD_USER_INPUT');
  expect(validateValue('😀')).toBe('😀');
});

test('expectedVersion ≥ 0; version lists of 1..100 positive whole numbers', () => {
  expect(validateExpectedVersion(undefined)).toBeNull();
  expect(validateExpectedVersion(0)).toBe(0);
  expect(code(() => validateExpectedVersion(-1))).toBe('BAD_USER_INPUT');
  expect(validateVersionList([3, 1, 3])).toEqual([1, 3]);
  for (const bad of [[], [0], [1.2], Array.from({ length: 101 }, (_, i) => i + 1), 'x']) expect(code(() => validateVersionList(bad))).toBe('BAD_USER_INPUT');
  expect(validateFirst(undefined, 200, 50)).toBe(50);
  expect(code(() => validateFirst(201, 200, 50))).toBe('BAD_USER_INPUT');
});

test('page positions the store reads are checked: a path or a version number, else BAD_USER_INPUT', () => {
  expect(pathPosition('a/b')).toBe('a/b');
  expect(versionPosition('17')).toBe(17);
  expect(pathPosition(null)).toBeNull();
  for (const bad of ['%%%', 'a/../b', '/a']) expect(code(() => pathPosition(bad))).toBe('BAD_USER_INPUT');
  for (const bad of ['0', '-1', '1.5', 'a', '12345678901']) expect(code(() => versionPosition(bad))).toBe('BAD_USER_INPUT');
});
