// The layering rules of .dependency-cruiser.cjs hold over src/, and the checker does catch what they
// forbid: a copy of the rules runs over a small tree with a folder cycle, a resolver that imports the
// database, a domain module that imports the GraphQL layer and product code importing test support.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { projectRoot } from '../../src/config/settings.js';

const CLI = path.join(projectRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(projectRoot, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(cwd: string): Violation[] {
  const run = spawnSync(process.execPath, [CLI, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(run.stdout, `dependency-cruiser printed nothing: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('dependency rules', () => {
  test('src/ keeps them: no folder cycle, transports off the database, dependencies inward', () => {
    const violations = cruise(projectRoot);
    assert.deepEqual(
      violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
      [],
    );
  });

  test('the checker reports each kind of breach (a tree built to break them)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'depcruise-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    write('src/clustering/a.ts', "import { b } from '../projection/b.js';\nexport const a = () => b;\n");
    write('src/projection/b.ts', "import { c } from '../clustering/c.js';\nexport const b = c;\n");
    write('src/clustering/c.ts', 'export const c = 1;\n');
    write('src/db/database.ts', 'export const prisma = {};\n');
    write('src/graphql/resolver.ts', "import { prisma } from '../db/database.js';\nexport const r = prisma;\n");
    write('src/segments/s.ts', "import { r } from '../graphql/resolver.js';\nexport const s = r;\n");
    write('src/value/v.ts', "import { t } from '../../test/support/t.js';\nexport const v = t;\n");
    write('test/support/t.ts', 'export const t = 1;\n');
    const found = new Set(cruise(dir).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`));
    for (const expected of [
      'no-folder-cycles: src/clustering → src/projection',
      'transports-not-to-database: src/graphql/resolver.ts → src/db/database.ts',
      'domain-not-outward: src/segments/s.ts → src/graphql/resolver.ts',
      'src-not-to-tests: src/value/v.ts → test/support/t.ts',
    ]) {
      assert.ok(found.has(expected), `${expected} not in:\n${[...found].join('\n')}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
