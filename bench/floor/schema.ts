import gql from 'graphql-tag';

/**
 * The floor's subgraph schema: one mutation that does what our `encrypt` must do at the least
 * (read a key record, AES-256-GCM encrypt), shared by the floor subgraph and the floor gateways'
 * composition so both agree on it.
 */
export const FLOOR_TYPE_DEFS = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    floorHealth: String!
  }

  type Mutation {
    "AES-256-GCM of the base64 plaintext under the key record's material: base64(iv ‖ ciphertext ‖ tag)."
    floorEncrypt(keyId: String!, plaintext: String!): String!
  }
`;

/** The one GraphQL request every floor scenario sends (to (a) directly, to (b) and (c) through a gateway). */
export const FLOOR_QUERY = 'mutation($k: String!, $p: String!) { floorEncrypt(keyId: $k, plaintext: $p) }';

/** Redis key (under the run's prefix) of the floor's key record, a hash with `material` (base64 of 32 bytes) and `status`. */
export const floorKeyRecord = (keyId: string) => `floor:key:${keyId}`;
