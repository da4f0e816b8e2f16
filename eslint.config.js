// Lint configuration: typescript-eslint recommended rules over src, test and bench.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='test'][callee.property.name=/^(skip|todo)$/]", message: 'No skipped tests.' },
        { selector: "CallExpression[callee.object.name='it'][callee.property.name=/^(skip|todo)$/]", message: 'No skipped tests.' },
        { selector: "CallExpression[callee.object.name='describe'][callee.property.name=/^(skip|todo)$/]", message: 'No skipped tests.' },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', '*.js', '*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
