// deploy/kubernetes: no cluster runs here, so every manifest is checked offline, against the
// Kubernetes OpenAPI schemas that kubernetes-models compiles into validators, and then for the things a
// schema cannot see: probes on the port the container opens, a Service that selects the API's pods, an
// autoscaler aimed at the API, references to the one ConfigMap and Secret, a kustomization listing all.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { type IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { type IContainer } from 'kubernetes-models/v1/Container';
import { type IService, Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { loadSettings, projectRoot } from '../../src/config/settings.js';

const dir = path.join(projectRoot, 'deploy', 'kubernetes');
const CONFIG_MAP = 'segment-api-config';
const SECRET = 'segment-api-secrets';
const SECRET_KEYS = ['DATABASE_URL', 'QDRANT_API_KEY', 'METRICS_TOKEN'];

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The kinds these manifests may use, each with its schema validator (throws on an invalid object). */
const VALIDATORS: Record<string, (m: Manifest) => void> = {
  'apps/v1/Deployment': (m) => new Deployment(m).validate(),
  'v1/Service': (m) => new Service(m).validate(),
  'v1/ConfigMap': (m) => new ConfigMap(m).validate(),
  'autoscaling/v2/HorizontalPodAutoscaler': (m) => new HorizontalPodAutoscaler(m as unknown as IHorizontalPodAutoscaler).validate(),
  'policy/v1/PodDisruptionBudget': (m) => new PodDisruptionBudget(m).validate(),
};

function validate(m: Manifest): void {
  const validator = VALIDATORS[`${m.apiVersion}/${m.kind}`];
  if (!validator) throw new Error(`unknown kind ${m.apiVersion} ${m.kind}`);
  validator(m);
}

const manifestFiles = () =>
  fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort();

/** Every document of every manifest file, parsed as kubectl does (YAML 1.1: `yes`, `on` are booleans). */
function loadManifests(): { file: string; manifest: Manifest }[] {
  const out: { file: string; manifest: Manifest }[] = [];
  for (const file of manifestFiles()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'), { version: '1.1' })) {
      assert.deepEqual(
        doc.errors.map((e) => e.message),
        [],
        `${file}: YAML errors`,
      );
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue; // an empty document (a trailing `---`)
      assert.ok(typeof value === 'object' && !Array.isArray(value), `${file}: a document is not a mapping`);
      const m = value as Manifest;
      assert.ok(typeof m.apiVersion === 'string' && typeof m.kind === 'string', `${file}: apiVersion and kind`);
      out.push({ file, manifest: m });
    }
  }
  return out;
}

const manifests = loadManifests().map((l) => l.manifest);
const byKind = <T>(kind: string): T[] => manifests.filter((m) => m.kind === kind) as unknown as T[];
const named = <T extends { metadata?: { name?: string } }>(list: T[], name: string): T => {
  const found = list.find((m) => m.metadata?.name === name);
  assert.ok(found, `no ${name} among ${list.map((m) => m.metadata?.name).join(', ')}`);
  return found;
};

const deployments = byKind<IDeployment>('Deployment');
const api = named(deployments, 'segment-api');
const isWorker = (d: IDeployment) => d.spec?.template.spec?.containers.some((c) => [...(c.command ?? []), ...(c.args ?? [])].includes('worker')) ?? false;
const worker = deployments.find(isWorker);
const container = (d: IDeployment): IContainer => {
  const c = d.spec?.template.spec?.containers[0];
  assert.ok(c, `${d.metadata?.name}: a container`);
  return c;
};

/** The container port a probe or a Service's targetPort names (by number or by port name), if the container opens it. */
function resolvePort(c: IContainer, port: number | string | undefined): number | undefined {
  const ports = c.ports ?? [];
  if (typeof port === 'number') return ports.some((p) => p.containerPort === port) ? port : undefined;
  return ports.find((p) => p.name === port)?.containerPort;
}

/** Does a label selector pick pods with these labels? */
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Every reference to a ConfigMap or Secret anywhere in a manifest (env, envFrom, volumes). */
function references(value: unknown, out: { kind: 'ConfigMap' | 'Secret'; name: unknown; key?: unknown }[] = []) {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const ref = v as { name?: unknown; key?: unknown; secretName?: unknown } | null;
      if (ref && typeof ref === 'object') {
        if (k === 'secretKeyRef' || k === 'secretRef') out.push({ kind: 'Secret', name: ref.name, key: ref.key });
        if (k === 'secret' && 'secretName' in ref) out.push({ kind: 'Secret', name: ref.secretName });
        if (k === 'configMapKeyRef' || k === 'configMapRef' || (k === 'configMap' && 'name' in ref))
          out.push({ kind: 'ConfigMap', name: ref.name, key: ref.key });
      }
      references(v, out);
    }
  }
  return out;
}

test('every manifest parses, is a kind we know and validates against the Kubernetes OpenAPI schema', () => {
  const loaded = loadManifests();
  assert.ok(loaded.length >= 6, `${loaded.length} documents`);
  const seen = new Set<string>();
  for (const { file, manifest } of loaded) {
    assert.doesNotThrow(() => validate(manifest), `${file}: ${manifest.kind} ${manifest.metadata?.name}`);
    const name = manifest.metadata?.name;
    assert.ok(name, `${file}: ${manifest.kind} has a name`);
    assert.equal(manifest.metadata?.namespace, undefined, `${file}: ${manifest.kind} ${name} names no namespace (chosen when applying)`);
    assert.ok(!seen.has(`${manifest.kind}/${name}`), `${manifest.kind} ${name} defined twice`);
    seen.add(`${manifest.kind}/${name}`);
  }
  for (const kind of ['Deployment', 'Service', 'ConfigMap', 'HorizontalPodAutoscaler'])
    assert.ok(
      loaded.some((l) => l.manifest.kind === kind),
      `a ${kind}`,
    );
  // The Secret is created by hand (README.md), so that no credential is committed.
  assert.ok(!loaded.some((l) => l.manifest.kind === 'Secret'), 'no Secret in the repository');
});

test('the validator rejects broken copies, so a pass above means something', () => {
  const spec = (m: Manifest) => m.spec as Record<string, unknown>;
  const firstContainer = (m: Manifest) => (m as unknown as IDeployment).spec!.template.spec!.containers[0] as unknown as Record<string, unknown>;
  const broken: [string, (m: Manifest) => void][] = [
    ['replicas as a word', (m) => (spec(m).replicas = 'two')],
    ['a container without a name', (m) => delete firstContainer(m).name],
    ['a port as a string', (m) => (firstContainer(m).ports = [{ name: 'http', containerPort: '4000' }])],
    ['no selector', (m) => delete spec(m).selector],
    ['a CPU request that is no quantity', (m) => (firstContainer(m).resources = { requests: { cpu: 'lots' } })],
  ];
  const original = manifests.find((m) => m.kind === 'Deployment' && m.metadata?.name === 'segment-api');
  assert.ok(original);
  assert.doesNotThrow(() => validate(structuredClone(original)), 'an intact copy validates: the failures below are the breakages');
  for (const [what, breakIt] of broken) {
    const copy = structuredClone(original);
    breakIt(copy);
    assert.throws(() => validate(copy), `a Deployment with ${what} must fail validation`);
  }
  const configMap = structuredClone(named(byKind<Manifest>('ConfigMap'), CONFIG_MAP));
  (configMap.data as Record<string, unknown>).PORT = 4000; // ConfigMap values are strings
  assert.throws(() => validate(configMap), 'a ConfigMap with a number value must fail validation');
  assert.throws(() => validate({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }), /unknown kind/);
});

test('the API Deployment: its image, liveness on /healthz, readiness on /readyz, a patient start-up probe, all on its port', () => {
  const c = container(api);
  const version = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(c.image, `segment-api:${version}`, 'the image tagged with the package version');
  assert.equal(resolvePort(c, 'http'), 4000, 'a container port named http, 4000');
  for (const [probe, route] of [
    ['livenessProbe', '/healthz'],
    ['readinessProbe', '/readyz'],
    ['startupProbe', '/healthz'],
  ] as const) {
    const p = c[probe];
    assert.ok(p?.httpGet, `${probe} is an HTTP probe`);
    assert.equal(p.httpGet.path, route, probe);
    assert.equal(resolvePort(c, p.httpGet.port), 4000, `${probe} probes the container's port`);
  }
  // Model loading: the start-up probe allows minutes, not the liveness probe's seconds.
  const startup = c.startupProbe!;
  assert.ok((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3) >= 120, 'at least two minutes to start');
  for (const kind of ['requests', 'limits'] as const)
    for (const resource of ['cpu', 'memory']) assert.ok(c.resources?.[kind]?.[resource] !== undefined, `${kind}.${resource}`);
  const annotations = api.spec?.template.metadata?.annotations ?? {};
  assert.equal(annotations['prometheus.io/scrape'], 'true');
  assert.equal(annotations['prometheus.io/path'], '/metrics');
  assert.equal(Number(annotations['prometheus.io/port']), resolvePort(c, 'http'));
  // The API runs no jobs: the ConfigMap says so and no env entry overrides it.
  assert.ok(
    c.envFrom?.some((e) => e.configMapRef?.name === CONFIG_MAP),
    'settings from the ConfigMap',
  );
  assert.equal(named(byKind<IConfigMap>('ConfigMap'), CONFIG_MAP).data?.WORKER_IN_PROCESS, 'false');
  assert.ok(!c.env?.some((e) => e.name === 'WORKER_IN_PROCESS'));
  for (const key of SECRET_KEYS)
    assert.ok(
      c.env?.some((e) => e.name === key && e.valueFrom?.secretKeyRef?.name === SECRET && e.valueFrom.secretKeyRef.key === key),
      `${key} from the Secret`,
    );
});

test('API and worker pods run as a non-root user without privilege escalation', () => {
  for (const d of [api, worker]) {
    assert.ok(d, 'a worker Deployment');
    const pod = d.spec?.template.spec?.securityContext;
    const c = container(d);
    const runAsNonRoot = c.securityContext?.runAsNonRoot ?? pod?.runAsNonRoot;
    const runAsUser = c.securityContext?.runAsUser ?? pod?.runAsUser;
    assert.equal(runAsNonRoot, true, `${d.metadata?.name}: runAsNonRoot`);
    assert.equal(runAsUser, 1000, `${d.metadata?.name}: the image's node user`);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${d.metadata?.name}: allowPrivilegeEscalation`);
  }
});

test('the worker Deployment: same image, the worker command, probes on its own port, not behind the Service', () => {
  assert.ok(worker, 'a Deployment running `cli.js worker`');
  assert.notEqual(worker.metadata?.name, api.metadata?.name);
  const c = container(worker);
  assert.equal(c.image, container(api).image, 'the API image');
  assert.deepEqual([...(c.command ?? []), ...(c.args ?? [])].slice(-2), ['dist/src/cli.js', 'worker']);
  assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
  assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
  assert.equal(resolvePort(c, c.readinessProbe.httpGet.port), 4000, 'readiness on the port the worker serves (PORT)');
  assert.equal(resolvePort(c, c.livenessProbe.httpGet.port), 4000);
  // Both Deployments' selectors pick their own pods only.
  assert.ok(selects(worker.spec?.selector.matchLabels, worker.spec?.template.metadata?.labels));
  assert.ok(!selects(worker.spec?.selector.matchLabels, api.spec?.template.metadata?.labels), 'the worker selector leaves API pods alone');
  assert.ok(!selects(api.spec?.selector.matchLabels, worker.spec?.template.metadata?.labels), 'the API selector leaves worker pods alone');
  for (const service of byKind<IService>('Service'))
    assert.ok(!selects(service.spec?.selector, worker.spec?.template.metadata?.labels), `Service ${service.metadata?.name} must not send requests to workers`);
});

test("the Service selects the API's pods and forwards port 80 to the container's port", () => {
  const service = named(byKind<IService>('Service'), 'segment-api');
  assert.equal(service.spec?.type ?? 'ClusterIP', 'ClusterIP');
  assert.ok(selects(service.spec?.selector, api.spec?.template.metadata?.labels), 'selector matches the API pod labels');
  assert.ok(selects(api.spec?.selector.matchLabels, api.spec?.template.metadata?.labels), "the Deployment's own selector matches its pods");
  const port = service.spec?.ports?.find((p) => p.name === 'http');
  assert.ok(port, 'a port named http');
  assert.equal(port.port, 80);
  assert.equal(resolvePort(container(api), port.targetPort ?? port.port), 4000, 'targetPort is the container port');
});

test('the autoscaler scales the API Deployment on CPU (2 to 10 pods), and the disruption budget covers its pods', () => {
  const hpa = named(byKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler'), 'segment-api');
  const target = hpa.spec?.scaleTargetRef;
  assert.equal(target?.kind, 'Deployment');
  assert.equal(target.apiVersion, 'apps/v1');
  assert.equal(target.name, api.metadata?.name);
  assert.equal(hpa.spec?.minReplicas, 2);
  assert.equal(hpa.spec.maxReplicas, 10);
  const cpu = hpa.spec.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
  assert.deepEqual(cpu?.resource?.target, { type: 'Utilization', averageUtilization: 70 });
  // Utilisation is a share of the request: without one the autoscaler has nothing to divide by.
  assert.ok(container(api).resources?.requests?.cpu !== undefined);
  // The autoscaler owns the count: a `replicas` here would reset it at every apply.
  assert.equal(api.spec?.replicas, undefined);
  for (const pdb of byKind<IPodDisruptionBudget>('PodDisruptionBudget'))
    assert.ok(selects(pdb.spec?.selector?.matchLabels, api.spec?.template.metadata?.labels), `PodDisruptionBudget ${pdb.metadata?.name} selects the API pods`);
});

test('every Secret reference names segment-api-secrets, every ConfigMap reference segment-api-config, which exists', () => {
  const configMap = named(byKind<IConfigMap>('ConfigMap'), CONFIG_MAP);
  const all = manifests.flatMap((m) => references(m));
  assert.ok(all.filter((r) => r.kind === 'Secret').length >= SECRET_KEYS.length, 'the Deployments read the Secret');
  assert.ok(
    all.some((r) => r.kind === 'ConfigMap'),
    'the Deployments read the ConfigMap',
  );
  for (const ref of all) {
    if (ref.kind === 'Secret') {
      assert.equal(ref.name, SECRET);
      if (ref.key !== undefined) assert.ok(SECRET_KEYS.includes(ref.key as string), `documented Secret key ${JSON.stringify(ref.key)}`);
    } else {
      assert.equal(ref.name, CONFIG_MAP);
      if (ref.key !== undefined)
        assert.ok(typeof ref.key === 'string' && Object.hasOwn(configMap.data ?? {}, ref.key), `ConfigMap key ${JSON.stringify(ref.key)}`);
    }
  }
  for (const d of deployments) {
    assert.ok(
      references(d).some((r) => r.kind === 'ConfigMap'),
      `${d.metadata?.name} reads the ConfigMap`,
    );
  }
  // The Secret's keys are documented where it is created.
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  assert.match(readme, new RegExp(`create secret generic ${SECRET}`));
  for (const key of SECRET_KEYS) assert.match(readme, new RegExp(`--from-literal=${key}=`));
});

test('the ConfigMap holds valid settings the service knows, for a production process listening on all interfaces', () => {
  const data = named(byKind<IConfigMap>('ConfigMap'), CONFIG_MAP).data ?? {};
  // A misspelt variable would be ignored silently: every key must be one settings.ts reads.
  const settingsSource = fs.readFileSync(path.join(projectRoot, 'src', 'config', 'settings.ts'), 'utf8');
  for (const key of Object.keys(data)) assert.match(settingsSource, new RegExp(`^\\s+${key}: `, 'm'), `${key} is a setting`);
  const settings = loadSettings({ ...data, DATABASE_URL: 'postgresql://segment:x@postgres:5432/segment' });
  assert.equal(settings.env, 'production');
  assert.equal(settings.http.host, '0.0.0.0');
  assert.equal(settings.http.port, resolvePort(container(api), 'http'));
  assert.equal(settings.jobs.workerInProcess, false);
  assert.equal(data.QDRANT_URL, 'http://qdrant:6333');
  assert.equal(data.LOG_LEVEL, 'info');
});

test('the kustomization lists every manifest file, and only those', () => {
  const doc = parseAllDocuments(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'), { version: '1.1' });
  assert.ok(Array.isArray(doc) && doc.length === 1, 'one document');
  const k = doc[0]!.toJS() as { apiVersion?: string; kind?: string; resources?: string[]; namespace?: string };
  assert.equal(k.apiVersion, 'kustomize.config.k8s.io/v1beta1');
  assert.equal(k.kind, 'Kustomization');
  assert.equal(k.namespace, undefined, 'namespace-agnostic');
  assert.deepEqual([...(k.resources ?? [])].sort(), manifestFiles());
});
