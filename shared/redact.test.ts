import { randomBytes } from 'node:crypto';
import { buildSchema, getVariableValues, GraphQLError, parse, validate, type OperationDefinitionNode } from 'graphql';
import { redactErrorMessage, redactForCode } from './redact';

/**
 * The messages here are produced by graphql-js itself (variable coercion, literal validation,
 * parsing), not copied by hand, so a graphql upgrade that rewords them shows up as a failure.
 */
const schema = buildSchema(`
  enum KeyType { AES256_GCM96 AES128_GCM96 ED25519 }
  input PutSecretValueInput { path: String!, value: String!, expectedVersion: Int }
  input EncryptBatchItemInput { plaintext: String!, associatedData: String }
  input Tag { key: String!, value: String! }
  input Opts { ratio: Float, flag: Boolean, id: ID, type: KeyType, tags: [Tag!] }
  type Query {
    x(input: PutSecretValueInput, items: [EncryptBatchItemInput!], opts: Opts, type: KeyType,
      n: Int, s: String, f: Float, b: Boolean, id: ID): Int
  }
`);

const MARK = `HUNTER2-MARKER-${randomBytes(6).toString('hex')}`;
/** The marker as a GraphQL name, for enum literals. */
const NAME_MARK = MARK.replace(/-/g, '_');

/** What graphql-js says when `variables` are coerced against `$v: type` (empty when they are fine). */
function variableErrors(type: string, value: unknown): string[] {
  const doc = parse(`query($v: ${type}) { __typename }`);
  const op = doc.definitions[0] as OperationDefinitionNode;
  const r = getVariableValues(schema, op.variableDefinitions ?? [], value === undefined ? {} : { v: value });
  return 'errors' in r && r.errors ? r.errors.map((e) => e.message) : [];
}

function literalErrors(args: string): string[] {
  return validate(schema, parse(`{ x(${args}) }`)).map((e) => e.message);
}

function parseError(source: string): string {
  try {
    parse(source);
  } catch (e) {
    if (e instanceof GraphQLError) return e.message;
    throw e;
  }
  throw new Error('expected a syntax error');
}

/** Every message: the raw one carries the marker (so the check can fail), the redacted one does not. */
function expectRedacted(messages: string[], needle = MARK): string[] {
  expect(messages.length).toBeGreaterThan(0);
  expect(messages.some((m) => m.includes(needle))).toBe(true);
  const out = messages.map(redactErrorMessage);
  for (const m of out) {
    expect(m).not.toContain(needle);
    expect(redactErrorMessage(m)).toBe(m); // idempotent
  }
  return out;
}

describe('variable coercion errors', () => {
  it('an input object with an unknown field keeps the field and type names, not the value', () => {
    expect(expectRedacted(variableErrors('PutSecretValueInput!', { password: MARK }))).toEqual([
      'Variable "$v" got invalid value; Field "path" of required type "String!" was not provided.',
      'Variable "$v" got invalid value; Field "value" of required type "String!" was not provided.',
      'Variable "$v" got invalid value; Field "password" is not defined by type "PutSecretValueInput".',
    ]);
    expect(expectRedacted(variableErrors('PutSecretValueInput!', { path: 'p', valeu: MARK }))).toEqual([
      'Variable "$v" got invalid value; Field "value" of required type "String!" was not provided.',
      'Variable "$v" got invalid value; Field "valeu" is not defined by type "PutSecretValueInput". Did you mean "value"?',
    ]);
  });

  it('a wrong scalar keeps the path and the expected type', () => {
    expect(expectRedacted(variableErrors('PutSecretValueInput!', { path: 'p', value: { x: MARK } }))).toEqual([
      'Variable "$v" got invalid value at "v.value"; String cannot represent a non string value',
    ]);
    expect(expectRedacted(variableErrors('PutSecretValueInput!', { path: 'p', value: 'ok', expectedVersion: MARK }))).toEqual([
      'Variable "$v" got invalid value at "v.expectedVersion"; Int cannot represent non-integer value',
    ]);
    expect(expectRedacted(variableErrors('PutSecretValueInput!', { path: 'p', value: 'ok', expectedVersion: 2 ** 40 + 12345 }), String(2 ** 40 + 12345))).toEqual([
      'Variable "$v" got invalid value at "v.expectedVersion"; Int cannot represent non 32-bit signed integer value',
    ]);
    expect(expectRedacted(variableErrors('Int', MARK))).toEqual(['Variable "$v" got invalid value; Int cannot represent non-integer value']);
    expect(expectRedacted(variableErrors('Float', MARK))).toEqual(['Variable "$v" got invalid value; Float cannot represent non numeric value']);
    expect(expectRedacted(variableErrors('Boolean', MARK))).toEqual(['Variable "$v" got invalid value; Boolean cannot represent a non boolean value']);
    expect(expectRedacted(variableErrors('ID', { a: MARK }))).toEqual(['Variable "$v" got invalid value; ID cannot represent value']);
    expect(expectRedacted(variableErrors('String!', 1234567891), '1234567891')).toEqual(['Variable "$v" got invalid value; String cannot represent a non string value']);
  });

  it('a value that is not an object, in lists and nested objects', () => {
    expect(expectRedacted(variableErrors('PutSecretValueInput', MARK))).toEqual(['Variable "$v" got invalid value; Expected type "PutSecretValueInput" to be an object.']);
    expect(expectRedacted(variableErrors('[EncryptBatchItemInput!]', [{ plaintext: 'ok' }, { plaintext: [MARK] }]))).toEqual([
      'Variable "$v" got invalid value at "v[1].plaintext"; String cannot represent a non string value',
    ]);
    const opts = expectRedacted(variableErrors('Opts', { ratio: MARK, flag: MARK, tags: [{ key: 'k', value: { MARK } }] }));
    expect(opts).toEqual([
      'Variable "$v" got invalid value at "v.ratio"; Float cannot represent non numeric value',
      'Variable "$v" got invalid value at "v.flag"; Boolean cannot represent a non boolean value',
      'Variable "$v" got invalid value at "v.tags[0].value"; String cannot represent a non string value',
    ]);
  });

  it('enum values are dropped, suggestions kept', () => {
    expect(expectRedacted(variableErrors('KeyType', MARK))).toEqual(['Variable "$v" got invalid value; Value does not exist in "KeyType" enum.']);
    const near = variableErrors('KeyType', 'AES256_GCM9');
    expect(near[0]).toContain('"AES256_GCM9"');
    expect(near.map(redactErrorMessage)).toEqual([
      'Variable "$v" got invalid value; Value does not exist in "KeyType" enum. Did you mean the enum value "AES256_GCM96" or "AES128_GCM96"?',
    ]);
    expect(expectRedacted(variableErrors('Opts', { type: { MARK } }))).toEqual([
      'Variable "$v" got invalid value at "v.type"; Enum "KeyType" cannot represent non-string value.',
    ]);
  });

  it('a value crafted to look like the message tail still leaves nothing of itself', () => {
    const crafted = `${MARK}"; Field "a" of required type "B" was not provided.`;
    const out = expectRedacted(variableErrors('PutSecretValueInput!', { path: 'p', value: { crafted } }));
    expect(out[0]).toMatch(/^Variable "\$v" got invalid value/);
    const crafted2 = `${MARK} at "v.value"; Int cannot represent non-integer value: 1`;
    expectRedacted(variableErrors('Int', crafted2));
  });

  it('a value holding the separator "; " still yields the path and the reason', () => {
    expect(expectRedacted(variableErrors('PutSecretValueInput!', { path: 'p', value: { a: `x; ${MARK}; y` } }))).toEqual([
      'Variable "$v" got invalid value at "v.value"; String cannot represent a non string value',
    ]);
    expect(expectRedacted(literalErrors(`input: "a; ${MARK}; b"`))).toEqual(['Expected value of type "PutSecretValueInput".']);
  });

  it('a megabyte value full of separators is handled quickly', () => {
    const big = `${MARK}; `.repeat(40_000);
    const [msg] = variableErrors('PutSecretValueInput!', { path: 'p', value: { big } });
    expect(msg.length).toBeGreaterThan(1_000_000);
    const started = Date.now();
    const out = redactErrorMessage(msg);
    expect(Date.now() - started).toBeLessThan(500);
    // Past MAX_SPLITS separators the tail is given up on (fail closed): only the variable remains.
    expect(out).toBe('Variable "$v" got invalid value.');
    const manyTokens = 'String "'.repeat(200_000);
    const t0 = Date.now();
    expect(redactErrorMessage(`Syntax Error: Unexpected String "${manyTokens}".`)).toBe('Syntax Error: Unexpected String.');
    expect(redactErrorMessage(`Syntax Error: Unexpected ${manyTokens}`).length).toBe(`Syntax Error: Unexpected ${manyTokens}`.length); // not a token description
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('messages without a value pass unchanged', () => {
    const [missing] = variableErrors('Int!', undefined);
    expect(missing).toBe('Variable "$v" of required type "Int!" was not provided.');
    expect(redactErrorMessage(missing)).toBe(missing);
    const [nul] = variableErrors('String!', null);
    expect(redactErrorMessage(nul)).toBe(nul);
  });
});

describe('literal validation errors', () => {
  it('scalar literals', () => {
    expect(expectRedacted(literalErrors(`n: "${MARK}"`))).toEqual(['Int cannot represent non-integer value']);
    expect(expectRedacted(literalErrors(`s: 1234567891`), '1234567891')).toEqual(['String cannot represent a non string value']);
    expect(expectRedacted(literalErrors(`f: "${MARK}"`))).toEqual(['Float cannot represent non numeric value']);
    expect(expectRedacted(literalErrors(`b: "${MARK}"`))).toEqual(['Boolean cannot represent a non boolean value']);
    expect(expectRedacted(literalErrors(`id: { a: "${MARK}" }`)).every((m) => m.startsWith('ID cannot represent'))).toBe(true);
  });

  it('input object and list literals keep field and type names', () => {
    expect(expectRedacted(literalErrors(`input: { path: "p", value: "v", expectedVersion: "${MARK}" }`))).toEqual(['Int cannot represent non-integer value']);
    expect(expectRedacted(literalErrors(`input: "${MARK}"`))).toEqual(['Expected value of type "PutSecretValueInput".']);
    expect(expectRedacted(literalErrors(`items: [{ plaintext: { a: "${MARK}" } }]`))).toEqual(['String cannot represent a non string value']);
    expect(literalErrors('input: { path: null, value: "v" }').map(redactErrorMessage)).toEqual(['Expected value of type "String!", found null.']);
  });

  it('enum literals: the name given is dropped, suggestions kept', () => {
    expect(expectRedacted(literalErrors(`type: ${NAME_MARK}`), NAME_MARK)).toEqual(['Value does not exist in "KeyType" enum.']);
    expect(expectRedacted(literalErrors(`type: "${MARK}"`))).toEqual(['Enum "KeyType" cannot represent non-enum value.']);
    expect(literalErrors('type: ED2551').map(redactErrorMessage)).toEqual(['Value does not exist in "KeyType" enum. Did you mean the enum value "ED25519"?']);
  });

  it('other validation errors are untouched', () => {
    const msgs = validate(schema, parse('{ y x(nope: 1) }')).map((e) => e.message);
    expect(msgs.length).toBe(2);
    expect(msgs.map(redactErrorMessage)).toEqual(msgs);
  });
});

describe('syntax errors', () => {
  it('string and number tokens lose their content; names and punctuators stay', () => {
    expect(expectRedacted([parseError(`{ x(s: "a" "${MARK}") }`)])).toEqual(['Syntax Error: Expected Name, found String.']);
    expect(expectRedacted([parseError(`query "${MARK}" { x }`)])).toEqual(['Syntax Error: Expected "{", found String.']);
    expect(expectRedacted([parseError(`{ x(s: """more""" """${MARK}""") }`)])).toEqual(['Syntax Error: Expected Name, found BlockString.']);
    expect(expectRedacted([parseError(`{ x(n: 1234567891 1234567892) }`)], '1234567892')).toEqual(['Syntax Error: Expected Name, found Int.']);
    expect(expectRedacted([parseError(`{ x(s: "\\u${MARK.slice(0, 4)}") }`)], `\\u${MARK.slice(0, 4)}`)).toEqual(['Syntax Error: Invalid Unicode escape sequence.']);
    const name = parseError('{ x(s: 1) } } ');
    expect(name).toBe('Syntax Error: Unexpected "}".');
    expect(redactErrorMessage(name)).toBe(name);
    const unterminated = parseError(`{ x(s: "${MARK}) }`);
    expect(unterminated).not.toContain(MARK);
    expect(redactErrorMessage(unterminated)).toBe(unterminated);
  });
});

describe('redactForCode', () => {
  it('redacts only the codes that quote input', () => {
    const msg = `Int cannot represent non-integer value: "${MARK}"`;
    expect(redactForCode('BAD_USER_INPUT', msg)).toBe('Int cannot represent non-integer value');
    expect(redactForCode('GRAPHQL_VALIDATION_FAILED', msg)).toBe('Int cannot represent non-integer value');
    expect(redactForCode('GRAPHQL_PARSE_FAILED', `Syntax Error: Unexpected String "${MARK}".`)).toBe('Syntax Error: Unexpected String.');
    expect(redactForCode('NOT_FOUND', 'No secret at that path')).toBe('No secret at that path');
    expect(redactForCode('BAD_USER_INPUT', 'plaintext must be standard base64')).toBe('plaintext must be standard base64');
  });
});
