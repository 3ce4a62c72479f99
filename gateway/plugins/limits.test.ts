import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { aliasLimitRule, depthLimitRule } from './limits';

const schema = buildSchema(`
  type Node { id: ID!, child: Node, children: [Node!]! }
  type Query { node: Node }
`);

const nested = (depth: number) => {
  let sel = 'id';
  for (let i = 1; i < depth; i++) sel = `child { ${sel} }`;
  return `{ ${depth > 0 ? `node { ${sel} }` : ''} }`;
};

const errorsOf = (query: string, rule = depthLimitRule(5)) => validate(schema, parse(query), [...specifiedRules, rule]).map((e) => e.message);

describe('depthLimitRule', () => {
  it('allows the limit and refuses one more', () => {
    // node { child { child { child { id } } } } = depth 5
    expect(errorsOf(nested(4))).toEqual([]);
    expect(errorsOf(nested(5))).toEqual(['Query depth 6 exceeds the limit of 5']);
  });

  it('follows fragments and inline fragments', () => {
    const q = `{ node { ...A } } fragment A on Node { child { ... on Node { child { ...B } } } } fragment B on Node { child { child { id } } }`;
    expect(errorsOf(q)).toEqual(['Query depth 6 exceeds the limit of 5']);
  });

  it('survives fragment cycles (reported by the standard rule, not looped on)', () => {
    const q = `{ node { ...A } } fragment A on Node { child { ...A } }`;
    const errors = errorsOf(q);
    expect(errors.some((m) => /Cannot spread fragment "A" within itself/.test(m))).toBe(true);
  });

  it('does not count introspection', () => {
    expect(errorsOf('{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }')).toEqual([]);
  });
});

describe('aliasLimitRule', () => {
  it('counts aliases across the document and reports once', () => {
    const q = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: node { id }`).join(' ')} }`;
    expect(validate(schema, parse(q(3)), [aliasLimitRule(3)])).toEqual([]);
    const errs = validate(schema, parse(q(10)), [aliasLimitRule(3)]);
    expect(errs.map((e) => e.message)).toEqual(['Query uses more than 3 aliases']);
  });
});
