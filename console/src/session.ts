/**
 * The signed-in token and chosen region. sessionStorage only (never localStorage): the token
 * survives a reload of this tab and dies with it; signing out removes it at once.
 */
const TOKEN = 'console.token';
const REGION = 'console.region';

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN);
  },
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN, token);
  },
  signOut(): void {
    sessionStorage.removeItem(TOKEN);
  },
  get region(): string | null {
    return sessionStorage.getItem(REGION);
  },
  set region(region: string | null) {
    if (region) sessionStorage.setItem(REGION, region);
    else sessionStorage.removeItem(REGION);
  },
};

/** The session key the explorer reads to pre-fill its authorization header. */
export const SESSION_TOKEN_KEY = TOKEN;
