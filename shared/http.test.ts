import { ApolloServer } from '@apollo/server';
import { answerJson, executeApollo, readBody, serveHttp, type HttpListener } from './http';
import { Logger } from './log';

/**
 * executeApollo writes every answer as one buffer with its exact content-length; with answerJson
 * as stringifyResult the bytes are still exactly Apollo's default (the JSON and a newline),
 * non-ASCII values and error answers included.
 */
const typeDefs = `type Query { echo(v: String!): String }`;
const resolvers = { Query: { echo: (_: unknown, { v }: { v: string }) => v } };

async function serve(stringifyResult?: (value: unknown) => string): Promise<{ listener: HttpListener; apollo: ApolloServer }> {
  const apollo = new ApolloServer({ typeDefs, resolvers, ...(stringifyResult ? { stringifyResult } : {}) });
  await apollo.start();
  const listener = await serveHttp(
    async (req, res) => executeApollo(apollo, req, res, await readBody(req, 8 * 1024 * 1024), async () => ({})),
    { port: 0, host: '127.0.0.1', log: new Logger('test', 'silent') },
  );
  return { listener, apollo };
}

let ours: Awaited<ReturnType<typeof serve>>;
let stock: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  ours = await serve(answerJson);
  stock = await serve();
});
afterAll(async () => {
  for (const s of [ours, stock]) {
    await s.listener.close();
    await s.apollo.stop();
  }
});

async function post(url: string, body: unknown): Promise<{ status: number; bytes: Buffer; length: string | null }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()), length: r.headers.get('content-length') };
}

it.each([
  ['a large answer with non-ASCII text', { query: 'query($v: String!) { echo(v: $v) }', variables: { v: 'é ✓ 🔑 '.repeat(50_000) } }],
  ['a small answer', { query: '{ echo(v: "x") }' }],
  ['a validation error', { query: '{ nope }' }],
])('%s: the JSON and a newline, with its exact content-length, as Apollo writes it', async (_name, body) => {
  const a = await post(ours.listener.url, body);
  const b = await post(stock.listener.url, body);
  expect(a.status).toBe(b.status);
  expect(a.bytes.equals(b.bytes)).toBe(true);
  expect(Number(a.length)).toBe(a.bytes.length);
  expect(a.bytes[a.bytes.length - 1]).toBe(0x0a);
  expect(JSON.parse(a.bytes.toString('utf8'))).toEqual(JSON.parse(b.bytes.toString('utf8')));
});
