import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitSqlStatements } from '../../src/db/sql-statements.js';

test('splits at top-level semicolons only', () => {
  const script = `-- a comment; with a semicolon
CREATE TABLE "a;b" (x text DEFAULT 'it''s; fine');
/* block; /* nested; */ still comment; */
CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; SELECT 2; $body$ LANGUAGE sql;
SELECT $$;$$;
;
-- trailing comment only`;
  const statements = splitSqlStatements(script);
  assert.equal(statements.length, 3);
  assert.match(statements[0]!, /^-- a comment; with a semicolon\nCREATE TABLE "a;b" \(x text DEFAULT 'it''s; fine'\)$/);
  assert.match(statements[1]!, /\$body\$ SELECT 1; SELECT 2; \$body\$ LANGUAGE sql$/);
  assert.equal(statements[2], 'SELECT $$;$$');
});

test('a script without a final semicolon keeps its last statement', () => {
  assert.deepEqual(splitSqlStatements('SELECT 1; SELECT 2'), ['SELECT 1', 'SELECT 2']);
});
