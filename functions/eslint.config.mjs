import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', 'out/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Dependencies point inward: the domain is pure, use cases know only ports.
    files: ['src/domain/**/*.ts', 'src/app/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['firebase-*', 'firebase-*/**', '@google-cloud/*', 'algoliasearch', 'twilio', '@sendgrid/*'], message: 'domain and app code talk to ports, not SDKs' },
          { group: ['**/adapters/**', '**/functions/**'], message: 'dependencies point inward' },
        ],
      }],
    },
  },
);
