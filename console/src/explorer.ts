import { SESSION_TOKEN_KEY } from './session.js';

/**
 * GraphiQL from the bundled UMD files (globals React, ReactDOM, GraphiQL), talking to this
 * origin's /graphql. The console's session token, if any, pre-fills the headers editor. Tabs and
 * headers live in memory only, so the token never reaches localStorage.
 */
declare const React: { createElement(type: unknown, props: Record<string, unknown>): unknown };
declare const ReactDOM: { createRoot(el: Element): { render(node: unknown): void } };
declare const GraphiQL: { (props: Record<string, unknown>): unknown; createFetcher(opts: { url: string }): unknown };

const memory = new Map<string, string>();
const storage = {
  getItem: (k: string) => memory.get(k) ?? null,
  setItem: (k: string, v: string) => void memory.set(k, v),
  removeItem: (k: string) => void memory.delete(k),
  clear: () => memory.clear(),
  get length() {
    return memory.size;
  },
};

const token = sessionStorage.getItem(SESSION_TOKEN_KEY);
const headers = token ? JSON.stringify({ authorization: `Bearer ${token}` }, null, 2) : undefined;

ReactDOM.createRoot(document.getElementById('graphiql') as HTMLElement).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: '/graphql' }),
    defaultHeaders: headers,
    defaultEditorToolsVisibility: headers ? 'headers' : true,
    shouldPersistHeaders: false,
    storage,
    defaultQuery: '{\n  viewer {\n    id\n    project\n    scopes\n  }\n}\n',
  }),
);
