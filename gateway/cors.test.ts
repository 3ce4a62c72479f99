import { originAllowed } from './cors';

describe('originAllowed', () => {
  const listed = { origins: ['https://app.example.com', 'http://localhost:*'], ownOrigin: false };

  it('admits an exact entry, case-insensitively, and nothing near it', () => {
    expect(originAllowed('https://app.example.com', listed)).toBe(true);
    expect(originAllowed('HTTPS://APP.EXAMPLE.COM', listed)).toBe(true);
    expect(originAllowed('http://app.example.com', listed)).toBe(false);
    expect(originAllowed('https://app.example.com:8443', listed)).toBe(false);
    expect(originAllowed('https://app.example.com.evil.test', listed)).toBe(false);
    expect(originAllowed('https://evil.app.example.com', listed)).toBe(false);
  });

  it('admits any port (or none) for a host:* entry, never another host', () => {
    expect(originAllowed('http://localhost:5173', listed)).toBe(true);
    expect(originAllowed('http://localhost', listed)).toBe(true);
    expect(originAllowed('http://localhost.evil.test', listed)).toBe(false);
    expect(originAllowed('http://localhost:5173.evil.test', listed)).toBe(false);
    expect(originAllowed('http://localhost:', listed)).toBe(false);
    expect(originAllowed('https://localhost:5173', listed)).toBe(false);
  });

  it('never admits the opaque origin "null"', () => {
    expect(originAllowed('null', listed)).toBe(false);
    expect(originAllowed('null', { origins: [], ownOrigin: true }, 'null')).toBe(false);
  });

  it('with ownOrigin, admits the host the request was addressed to, only that', () => {
    const own = { origins: [], ownOrigin: true };
    expect(originAllowed('http://gw.internal:4000', own, 'gw.internal:4000')).toBe(true);
    expect(originAllowed('https://gw.internal:4000', own, 'gw.internal:4000')).toBe(true);
    expect(originAllowed('http://gw.internal:4001', own, 'gw.internal:4000')).toBe(false);
    expect(originAllowed('http://gw.internal:4000', own, undefined)).toBe(false);
    expect(originAllowed('http://gw.internal:4000', { origins: [], ownOrigin: false }, 'gw.internal:4000')).toBe(false);
  });
});
