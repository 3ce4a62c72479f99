import { Supergraph } from '@apollo/federation-internals';
import {
  isEnumType, isInputObjectType, isInterfaceType, isIntrospectionType, isObjectType, isSpecifiedScalarType,
  type GraphQLNamedType, type GraphQLSchema,
} from 'graphql';
import { renderSchemaFiles } from '../scripts/schemaFiles';

/**
 * The schema documents itself: Sandbox, the explorer and generated client types show these
 * descriptions, so every element a client can see (the API schema, not the federation plumbing)
 * must say what it means. Built from the code, so a new field without a description fails here.
 */
async function apiSchema(): Promise<GraphQLSchema> {
  const files = await renderSchemaFiles();
  return Supergraph.build(files['supergraph.graphql']).apiSchema().toGraphQLJSSchema();
}

const described = (d: string | null | undefined) => typeof d === 'string' && d.trim().length > 0;

/** Coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) of every element without a description. */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const types = Object.values(schema.getTypeMap()).filter((t: GraphQLNamedType) => !isIntrospectionType(t) && !isSpecifiedScalarType(t));
  for (const type of types) {
    if (!described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) {
          if (!described(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name}:)`);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
      }
    }
  }
  return missing.sort();
}

describe('the composed API schema documents every element', () => {
  it('every type, field, argument, input field and enum value has a description', async () => {
    const schema = await apiSchema();
    // Guard against walking an empty or wrong schema: the contract's root fields are there.
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['kmsKey', 'secret', 'viewer', 'auditEvents']));
    expect(Object.keys(schema.getMutationType()!.getFields())).toEqual(expect.arrayContaining(['encrypt', 'createSecret', 'createApiToken']));
    const missing = undescribed(schema);
    expect({ undescribed: missing.length, elements: missing }).toEqual({ undescribed: 0, elements: [] });
  });
});
