// The data model as Prisma understands prisma/schema.prisma (the same DMMF `prisma generate` uses).
import fs from 'node:fs';
import path from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { projectRoot } from '../../src/config/settings.js';

export interface DmmfField {
  name: string;
  dbName: string | null;
  kind: 'scalar' | 'object' | 'enum';
  type: string;
  isRequired: boolean;
  isList: boolean;
  isId: boolean;
  hasDefaultValue: boolean;
  isUpdatedAt: boolean;
  nativeType: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string | null;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  fields: { name: string }[];
}

export interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: { name: string; dbName: string | null; values: { name: string }[] }[]; indexes: DmmfIndex[] };
}

export function loadDmmf(): Dmmf {
  const schema = fs.readFileSync(path.join(projectRoot, 'prisma', 'schema.prisma'), 'utf8');
  return JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schema]] }))) as Dmmf;
}

export const columnOf = (field: DmmfField) => field.dbName ?? field.name;
export const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
