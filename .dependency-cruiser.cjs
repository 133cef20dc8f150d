// The layering of src/, checked by `npm test` (test/architecture/dependencies.test.ts) and by
// `npm run lint:deps`. From the outside in:
//   entry points (server.ts, cli.ts, cli/) → app/ (composition root, the Services type)
//   → http/, graphql/ (transports: they call Services, never the database)
//   → domain folders (segments/, audiences/, customers/, value/, …)
//   → infrastructure (db/, vectors/, config/, errors/, shared/).
// Dependencies point inward only; no folder cycles. Type-only imports count too.
const DOMAIN =
  '^src/(audiences|auth|clustering|customer-vectors|customers|demo|embedding|indexing|ingest|jobs|lexical|live|onnx|profiles|projection|recommendations|segments|text|value)/';
const INFRASTRUCTURE = '^src/(db|vectors|config|errors|shared|observability)/';

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Two folders that import each other are one concept split in two, or a layer reaching back.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'transports-not-to-database',
      comment: 'Resolvers and HTTP routes call Services (app/); the database is the domain’s business.',
      severity: 'error',
      from: { path: '^src/(graphql|http)/' },
      // Telling "the database is down" (UNAVAILABLE) from a bug is the one thing they ask of db/.
      to: { path: '^src/db/', pathNot: '^src/db/database-errors\\.ts$' },
    },
    {
      name: 'graphql-not-to-http',
      comment: 'The GraphQL schema knows nothing of the HTTP server that mounts it.',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'domain-not-outward',
      comment: 'Domain code does not know how it is served or composed.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/(app|graphql|http|cli)/|^src/(server|cli)\\.ts$' },
    },
    {
      name: 'infrastructure-not-to-domain',
      comment: 'The database, the vector store, settings, errors and shared helpers stand on their own.',
      severity: 'error',
      from: { path: INFRASTRUCTURE, pathNot: '^src/db/generated/' },
      to: { path: `${DOMAIN}|^src/(app|graphql|http|cli)/` },
    },
    {
      name: 'app-not-to-transports',
      comment: 'The composition root builds services; the entry points mount the transports on them.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(graphql|http|cli)/' },
    },
    {
      name: 'src-not-to-tests',
      comment: 'Test and bench support code lives under test/ and bench/, never imported by the product.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/db/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    reporterOptions: { dot: { collapsePattern: '^src/[^/]+/' } },
  },
};
