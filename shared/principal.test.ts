import { pathAllowedBy, pathUnderPrefix } from './principal';

describe('path prefixes confine by whole segments', () => {
  it('admits the prefix itself and what is below it, not a sibling sharing the letters', () => {
    expect(pathUnderPrefix('team-a', 'team-a')).toBe(true);
    expect(pathUnderPrefix('team-a/db', 'team-a')).toBe(true);
    expect(pathUnderPrefix('team-a/db', 'team-a/')).toBe(true);
    expect(pathUnderPrefix('team-ab/db', 'team-a')).toBe(false);
    expect(pathUnderPrefix('team-ab', 'team-a/')).toBe(false);
    expect(pathUnderPrefix('x/team-a/db', 'team-a')).toBe(false);
  });
  it('no prefixes means no confinement; several prefixes are alternatives', () => {
    expect(pathAllowedBy(null, 'any/path')).toBe(true);
    expect(pathAllowedBy([], 'any/path')).toBe(true);
    expect(pathAllowedBy(['a/', 'b/c'], 'b/c/d')).toBe(true);
    expect(pathAllowedBy(['a/', 'b/c'], 'b/cd')).toBe(false);
  });
});
