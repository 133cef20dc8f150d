// Traces when a collector is configured: a local OTLP/HTTP receiver gets a server span per request,
// the child of the caller's W3C traceparent, naming the operation and the request id, and a span per
// job carrying the id of the request that started it. Without an endpoint nothing is started.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTracing, type Tracing } from '../../src/observability/tracing.js';
import { databaseTargets } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/app.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number };
}

const received: Array<{ contentType: string | undefined; spans: OtlpSpan[]; service: string | undefined }> = [];
let collector: http.Server;
let tracing: Tracing | undefined;
let app: TestApp;

before(async () => {
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      assert.equal(req.url, '/v1/traces');
      const json = JSON.parse(body) as {
        resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: OtlpValue }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const r of json.resourceSpans) {
        const service = r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        received.push({ contentType: req.headers['content-type'], service, spans: r.scopeSpans.flatMap((s) => s.spans) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  tracing = await startTracing({
    endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`,
    serviceName: 'segment-api-test',
    version: '9.9.9',
  });
  app = await startTestApp(databaseTargets()[0]!);
});

after(async () => {
  await app?.close();
  await tracing?.shutdown();
  await new Promise((resolve) => collector.close(resolve));
});

const attribute = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : v?.arrayValue?.values.map((x) => x.stringValue));
};

test('without an endpoint tracing is not started', async () => {
  assert.equal(await startTracing({ serviceName: 'x', version: '1' }), undefined);
});

test('a request span continues the caller’s trace and names the operation and request id; a job span names the request that started it', async () => {
  assert.ok(tracing);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parentId = '00f067aa0ba902b7';
  const res = await fetch(app.server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${app.keys.admin}`,
      traceparent: `00-${traceId}-${parentId}-01`,
      'x-request-id': 'traced-1',
    },
    body: JSON.stringify({ query: 'mutation TraceEmbed { embedCustomers { id } }' }),
  });
  const body = (await res.json()) as { data: { embedCustomers: { id: string } } };
  await app.services.jobs.wait(body.data.embedCustomers.id);
  await tracing.flush();

  assert.ok(received.length > 0, 'the collector received spans');
  assert.equal(received[0]!.service, 'segment-api-test');
  const spans = received.flatMap((r) => r.spans);
  const request = spans.find((s) => attribute(s, 'segment_api.request_id') === 'traced-1' && s.name === 'POST graphql');
  assert.ok(request, JSON.stringify(spans.map((s) => s.name)));
  assert.equal(request.traceId, traceId, 'continues the caller’s trace');
  assert.equal(request.parentSpanId, parentId);
  assert.equal(request.kind, 2, 'SERVER');
  assert.equal(attribute(request, 'graphql.operation.name'), 'TraceEmbed');
  assert.equal(attribute(request, 'http.response.status_code'), 200);
  const job = spans.find((s) => s.name === 'job embedCustomers');
  assert.ok(job, JSON.stringify(spans.map((s) => s.name)));
  assert.equal(attribute(job, 'segment_api.request_id'), 'traced-1');
  assert.equal(attribute(job, 'segment_api.job_outcome'), 'succeeded');
  assert.equal(attribute(job, 'segment_api.job_id'), body.data.embedCustomers.id);
});
