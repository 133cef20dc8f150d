// No Docker engine runs here, but the Compose client can still parse and validate the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../src/config/settings.js';

function composeConfig(): { tool: string; status: number | null; stdout: string; stderr: string } {
  // The Compose v2 plugin (`docker compose`) where installed, else Debian's docker-compose.
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const [cmd, args] = !plugin.error && plugin.status === 0 ? ['docker', ['compose']] : ['docker-compose', []];
  const r = spawnSync(cmd, [...args, '-f', 'docker-compose.yml', 'config'], { cwd: projectRoot, encoding: 'utf8' });
  if (r.error) throw new Error('Neither `docker compose` nor `docker-compose` is installed (.ci/run installs docker-compose).');
  return { tool: [cmd, ...args].join(' '), status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('docker-compose.yml is accepted by the Compose client, with pinned images, volumes and health-gated start-up', () => {
  const result = composeConfig();
  assert.equal(result.status, 0, `${result.tool} config failed:\n${result.stderr}`);
  const config = result.stdout;
  assert.match(config, /image: qdrant\/qdrant:v\d+\.\d+\.\d+/);
  assert.match(config, /image: postgres:\d+/);
  for (const volume of ['qdrant-data', 'postgres-data', 'api-data']) assert.match(config, new RegExp(`${volume}:`));
  assert.match(config, /condition: service_healthy/);
  assert.match(config, /QDRANT_URL: http:\/\/qdrant:6333/);
  assert.match(config, /DATABASE_URL: postgresql:\/\/segment:.*@postgres:5432\/segment/);
  assert.ok(path.isAbsolute(projectRoot));
});

test('the qdrant-cluster profile: three nodes of the pinned version, peers bootstrapped from the first', () => {
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const [cmd, args] = !plugin.error && plugin.status === 0 ? ['docker', ['compose']] : ['docker-compose', []];
  const r = spawnSync(cmd, [...args, '-f', 'docker-compose.yml', '--profile', 'qdrant-cluster', 'config'], { cwd: projectRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const images = [...r.stdout.matchAll(/image: (qdrant\/qdrant:v[\d.]+)/g)].map((m) => m[1]);
  assert.equal(images.length, 4, 'the single node and three cluster nodes');
  assert.equal(new Set(images).size, 1, 'one version everywhere');
  assert.equal([...r.stdout.matchAll(/QDRANT__CLUSTER__ENABLED: "true"/g)].length, 3);
  assert.equal([...r.stdout.matchAll(/--bootstrap/g)].length, 2);
});

test('the Qdrant server pinned is the minor version the client library speaks (and the OpenAPI document we validate against)', () => {
  const config = composeConfig().stdout;
  const server = /image: qdrant\/qdrant:v(\d+)\.(\d+)\.\d+/.exec(config);
  assert.ok(server, 'qdrant image pinned to a version');
  const client = JSON.parse(fs.readFileSync(path.join(projectRoot, 'node_modules/@qdrant/js-client-rest/package.json'), 'utf8')) as { version: string };
  const [major, minor] = client.version.split('.');
  assert.deepEqual([server[1], server[2]], [major, minor], `server v${server[1]}.${server[2]}, client ${client.version}`);
});
