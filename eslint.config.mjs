// ESLint over the product, its tests and benches: typescript-eslint's type-checked rules, formatting
// left to Prettier. A few rules are the project's own boundaries (see each comment).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/db/generated/**', 'web/src/gql/**', 'models/**', 'scratch/**', '**/*.cjs', '**/*.mjs', 'web/vite.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Raw SQL only as tagged templates ($queryRaw`…`, Prisma.sql): every value a bound parameter by
      // construction, not by care.
      'no-restricted-properties': [
        'error',
        { property: '$queryRawUnsafe', message: 'Use the tagged $queryRaw`…` (Prisma.sql / Prisma.join for dynamic parts).' },
        { property: '$executeRawUnsafe', message: 'Use the tagged $executeRaw`…` (Prisma.sql / Prisma.join for dynamic parts).' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Ports are async (the Qdrant adapter needs it); the embedded adapter answers synchronously.
      '@typescript-eslint/require-await': 'off',
      // node:test's test() and describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' }] }],
    },
  },
  {
    // Tests and benches destructure closures (`drop`, `close`) that are not methods of a class.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // The dashboard: tsc -p web/tsconfig.json type-checks it in build:web. Under typescript-eslint its
    // urql results resolve to `any` (492 no-unsafe-* reports, all on generated typed documents), so
    // here it gets the rules that need no types.
    files: ['web/src/**/*.{ts,tsx}'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Transports call Services; the database is the domain's business (dependency-cruiser checks the
    // imports, this the property that would bypass them).
    files: ['src/graphql/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "MemberExpression[property.name='prisma']", message: 'Resolvers and routes call a service, not Prisma.' }],
    },
  },
  prettier,
);
