/**
 * Error messages that never echo an input value.
 *
 * graphql-js quotes the offending value in its coercion and validation messages
 * (`Variable "$i" got invalid value { password: "…" }; …`, `Int cannot represent non-integer value: "…"`,
 * `Value "…" does not exist in "KeyType" enum.`, `Syntax Error: Unexpected String "…".`). For a secrets
 * service that value may be a password, plaintext or ciphertext, and messages end up in client logs,
 * proxies and error trackers. `redactErrorMessage` rewrites those shapes so that only what the
 * document and the schema say remains: the variable name, the field path, type and field names,
 * enum suggestions. Position stays available through the error's `locations`.
 *
 * The rewrite is built from recognised parts only: when a value-bearing shape is recognised but its
 * tail is not, the tail is dropped rather than passed on (fail closed). Messages of other shapes
 * (our own ApiError messages, "Cannot query field …") are returned unchanged.
 */

/** The codes whose messages can quote client input. */
export const REDACTED_CODES: ReadonlySet<string> = new Set(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

const NAME = '[_A-Za-z][_0-9A-Za-z]*';
/** A type reference as graphql-js prints it: `String!`, `[EncryptBatchItemInput!]!`. */
const TYPE = `\\[*${NAME}!?(?:\\]!?)*`;
/** printPathArray: `.field` and `[3]` steps. */
const PATH_STEPS = `(?:\\.${NAME}|\\[\\d+\\])*`;
/** didYouMean(): ` Did you mean "A"?`, ` Did you mean the enum value "A", "B", or "C"?` (names only). */
const SUGGESTIONS = ` Did you mean (?:[a-z][a-z ]* )?"${NAME}"(?:(?:, "${NAME}")*,? or "${NAME}")?\\?`;

const re = (source: string) => new RegExp(`^${source}$`);

/** Messages about one value (scalar, enum or input object coercion), value removed. */
const VALUE_MESSAGES: ReadonlyArray<[RegExp, (m: RegExpExecArray) => string]> = [
  // Built-in scalars (and custom ones worded alike): "Int cannot represent non-integer value: 1.5".
  [re(`(${NAME}) cannot represent ((?:a )?non[ -][0-9A-Za-z -]*?value|value)(?:: [\\s\\S]*)?`), (m) => `${m[1]} cannot represent ${m[2]}`],
  // Enums: the value is dropped, the suggestions (enum value names) are kept.
  [re(`Enum "(${NAME})" cannot represent (non-string|non-enum) value: [\\s\\S]*?\\.((?:${SUGGESTIONS})?)`), (m) => `Enum "${m[1]}" cannot represent ${m[2]} value.${m[3]}`],
  [re(`Enum "(${NAME})" cannot represent value: [\\s\\S]*`), (m) => `Enum "${m[1]}" cannot represent value`],
  [re(`Value "[\\s\\S]*" does not exist in "(${NAME})" enum\\.((?:${SUGGESTIONS})?)`), (m) => `Value does not exist in "${m[1]}" enum.${m[2]}`],
  // Already redacted (the function is idempotent).
  [re(`Enum "${NAME}" cannot represent (?:non-string |non-enum )?value\\.?(?:${SUGGESTIONS})?`), (m) => m[0]],
  [re(`Value does not exist in "${NAME}" enum\\.(?:${SUGGESTIONS})?`), (m) => m[0]],
  // Input objects and the rest of coerceInputValue: these quote names and types only.
  [re(`Expected non-nullable type "${TYPE}" not to be null\\.`), (m) => m[0]],
  [re(`Expected type "${NAME}" to be an object\\.`), (m) => m[0]],
  [re(`Field "${NAME}" of required type "${TYPE}" was not provided\\.`), (m) => m[0]],
  [re(`Field "${NAME}" is not defined by type "${NAME}"\\.(?:${SUGGESTIONS})?`), (m) => m[0]],
  [re(`Field "${NAME}" must be non-null\\.`), (m) => m[0]],
  [re(`Exactly one key must be specified for OneOf type "${NAME}"\\.`), (m) => m[0]],
  // A custom scalar's own error text may quote the value: keep only the type.
  [re(`Expected type "(${NAME})"\\.[\\s\\S]*`), (m) => `Expected type "${m[1]}".`],
];

/** The inner message rewritten, or undefined when it is not a shape we know. */
function redactValueMessage(message: string): string | undefined {
  for (const [pattern, rewrite] of VALUE_MESSAGES) {
    const m = pattern.exec(message);
    if (m) return rewrite(m);
  }
  return undefined;
}

/** How many separators are tried as the end of a quoted value before giving up (values can be megabytes). */
const MAX_SPLITS = 32;

/**
 * Splits `<value>[ at "<root><path>"]<sep><inner>` (from `from` on) at the first separator whose tail
 * is a message shape we know, and returns that tail redacted with the path. The value may itself
 * contain the separator, hence the search; when no tail is recognised only the path is kept.
 */
function afterValue(message: string, from: number, sep: string, root?: string): { at: string; inner?: string } {
  const atRe = root ? new RegExp(` at "(${root}${PATH_STEPS})"$`) : undefined;
  let firstAt = '';
  let pos = message.indexOf(sep, from);
  for (let i = 0; pos !== -1 && i < MAX_SPLITS; i++) {
    const m = atRe?.exec(message.slice(Math.max(from, pos - 1000), pos));
    const at = m ? ` at "${m[1]}"` : '';
    if (!firstAt) firstAt = at;
    const inner = redactValueMessage(message.slice(pos + sep.length));
    if (inner) return { at, inner };
    pos = message.indexOf(sep, pos + 1);
  }
  return { at: firstAt };
}

/** Rewrites one message; see the module comment. Pure, total, and idempotent. */
export function redactErrorMessage(message: string): string {
  // Variable coercion (execution/values.js): `Variable "$v" got invalid value <value>[ at "v.path"]; <inner>`.
  const variable = new RegExp(`^Variable "\\$(${NAME})" got invalid value`).exec(message);
  if (variable) {
    const { at, inner } = afterValue(message, variable[0].length, '; ', variable[1]);
    return `Variable "$${variable[1]}" got invalid value${at}${inner ? `; ${inner}` : '.'}`;
  }
  // coerceInputValue's default reporter: `Invalid value <value>[ at "value.path"]: <inner>`.
  if (message.startsWith('Invalid value ')) {
    const { at, inner } = afterValue(message, 'Invalid value'.length, ': ', 'value');
    return `Invalid value${at}${inner ? `: ${inner}` : '.'}`;
  }
  // Literals in the document (ValuesOfCorrectTypeRule): `Expected value of type "T", found <literal>[.|; <inner>]`.
  const literal = new RegExp(`^Expected value of type "(${TYPE})", found `).exec(message);
  if (literal) {
    if (message === `${literal[0]}null.`) return message;
    const { inner } = afterValue(message, literal[0].length, '; ');
    return `Expected value of type "${literal[1]}"${inner ? `; ${inner}` : '.'}`;
  }
  // Execution-time argument literals (execution/values.js).
  const argument = new RegExp(`^Argument "(${NAME})" has invalid value `).exec(message);
  if (argument) return `Argument "${argument[1]}" has invalid value.`;
  // Parse errors: the offending token is described as `String "<content>"`, `Int "<digits>"`, …
  // String and number contents can be values; names and punctuators are the document's syntax.
  if (message.startsWith('Syntax Error: ')) return redactSyntaxError(message);
  return redactValueMessage(message) ?? message;
}

function redactSyntaxError(message: string): string {
  // graphql-js ends the message with the token description: `… found String "<content>".`
  const token = message.endsWith('".') ? /^(Syntax Error: [\s\S]*?)\b(String|BlockString|Int|Float) "[\s\S]*"\.$/.exec(message) : null;
  if (token) return `${token[1]}${token[2]}.`;
  const escapeSeq = /^Syntax Error: (Invalid Unicode escape sequence|Invalid character escape sequence): [\s\S]*$/.exec(message);
  if (escapeSeq) return `Syntax Error: ${escapeSeq[1]}.`;
  return message;
}

/** The message to send for an error with this code: redacted for the codes that quote input. */
export function redactForCode(code: unknown, message: string): string {
  return typeof code === 'string' && REDACTED_CODES.has(code) ? redactErrorMessage(message) : message;
}
