import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../src/config/settings.js';
import { buildSchema, printSchemaFile } from '../../src/graphql/schema.js';

test('schema.graphql is what the code emits (run `npm run schema:emit` after changing the API)', async () => {
  const committed = fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8');
  assert.equal(committed, printSchemaFile(await buildSchema()));
});
