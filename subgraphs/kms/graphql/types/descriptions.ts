import { KEY_IDENTITY_RE } from '../../../../shared/identifiers';

/** Descriptions several arguments and input fields share, with the identity rule quoted from its one definition. */
const IDENTITY_PATTERN = `\`${KEY_IDENTITY_RE.source}\``;

/** An `identity` argument of a query or lifecycle mutation. */
export const KEY_IDENTITY_ARG = `Identity of the key (${IDENTITY_PATTERN}, BAD_USER_INPUT otherwise).`;

/** The key an input names. */
export const KEY_IDENTITY_INPUT = `Identity of a key in the request's region (${IDENTITY_PATTERN}); NOT_FOUND if there is none.`;
