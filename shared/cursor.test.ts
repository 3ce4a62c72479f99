import { PageCursors, type CursorBinding } from './cursor';

const binding: CursorBinding = { listing: 'secrets', filter: { pathPrefix: 'team-a/', region: null }, project: 'acme', tokenId: '00000000000000aa' };
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

test('a sealed position opens only with the same secret, listing, filter, project and token', () => {
  const cursors = new PageCursors('internal-secret');
  const c = cursors.seal('team-a/hidden', binding);
  expect(Buffer.from(c, 'base64url').toString('latin1')).not.toContain('hidden');
  expect(cursors.seal('team-a/hidden', binding)).not.toBe(c);
  expect(cursors.open(c, binding)).toBe('team-a/hidden');
  // undefined and null filter values are the same filter, in any key order.
  expect(cursors.open(c, { ...binding, filter: { region: undefined, pathPrefix: 'team-a/' } })).toBe('team-a/hidden');

  for (const other of [
    { ...binding, listing: 'kmsKeys' },
    { ...binding, filter: { pathPrefix: 'team-b/', region: null } },
    { ...binding, filter: { pathPrefix: 'team-a/', region: 'us-east-1' } },
    { ...binding, project: 'other' },
    { ...binding, tokenId: 'root' },
  ]) {
    expect(codeOf(() => cursors.open(c, other))).toBe('BAD_USER_INPUT');
  }
  expect(codeOf(() => new PageCursors('another-secret').open(c, binding))).toBe('BAD_USER_INPUT');
});

test('garbage, truncated and altered cursors are BAD_USER_INPUT', () => {
  const cursors = new PageCursors('internal-secret');
  const c = cursors.seal('a', binding);
  const raw = Buffer.from(c, 'base64url');
  for (let i = 0; i < raw.length; i++) {
    const altered = Buffer.from(raw);
    altered[i] ^= 1;
    expect(codeOf(() => cursors.open(altered.toString('base64url'), binding))).toBe('BAD_USER_INPUT');
  }
  for (const bad of ['', 'x', '%%', c.slice(0, 10), `${c}AAAA`, 'A'.repeat(3000), 42, null]) {
    expect(codeOf(() => cursors.open(bad, binding))).toBe('BAD_USER_INPUT');
  }
  expect(cursors.bind(binding).open(null)).toBeNull();
  expect(cursors.bind(binding).seal(null)).toBeNull();
});
