import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'bin/', '.bench/', '*.config.js', 'tests/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Only src/config reads process.env (DESIGN.md: one composition root).',
        },
      ],
    },
  },
  { files: ['src/config/**', 'tests/**', 'bench/**'], rules: { 'no-restricted-syntax': 'off' } },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Lines of at most 120 characters (issue 14 point 8): Prettier formats the code, but long strings,
  // template literals, regexes and comments are split or re-wrapped by hand.
  { rules: { 'max-len': ['error', { code: 120, tabWidth: 2 }] } },
  {
    // TEMPORARY: issue 14, lead finishes after the split merges
    files: [
      'src/remediation/executors/kubernetes.ts',
      'src/remediation/executors/shell.ts',
      'src/remediation/executors/webhook.ts',
      'src/remediation/service.ts',
      'src/queue/**',
      'src/http/routes/auth.ts',
      'src/http/routes/api-v1.ts',
      'src/http/routes/api-keys.ts',
      'src/intent/rules/lexicon.ts',
      'src/auth/tokens.ts',
      'src/auth/users.ts',
      'src/auth/throttle.ts',
      'src/audit/audit-log.ts',
      'src/telemetry/metrics.ts',
      'src/config/config.ts',
      'src/anomaly/csv-io.ts',
      'src/anomaly/detector.ts',
      'src/intent/llm.ts',
      'src/intent/rules/observe.ts',
    ],
    rules: { 'max-len': 'off' },
  },
);
