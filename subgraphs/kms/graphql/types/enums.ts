import { registerEnumType } from 'type-graphql';
import { KEY_PURPOSES, KEY_STATUSES, KEY_TYPES, type KeyPurpose, type KeyStatus, type KeyType } from '../../domain/keyTypes';

const asEnum = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const KeyTypeEnum = asEnum<KeyType>(KEY_TYPES);
export const KeyStatusEnum = asEnum<KeyStatus>(KEY_STATUSES);
export const KeyPurposeEnum = asEnum<KeyPurpose>(KEY_PURPOSES);

registerEnumType(KeyTypeEnum, { name: 'KeyType' });
registerEnumType(KeyStatusEnum, { name: 'KeyStatus' });
registerEnumType(KeyPurposeEnum, { name: 'KeyPurpose' });
