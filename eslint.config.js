// Flat config shared by every project; each project lints its own src/.
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config({ ignores: ['**/dist/**', '**/node_modules/**', '**/.cache/**', '**/templates/**'] }, ...tseslint.configs.recommended, {
  plugins: { 'import-x': importX },
  settings: {
    'import-x/resolver-next': [createTypeScriptImportResolver({ noWarnOnMultipleProjects: true })],
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
    'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
  },
  rules: {
    // A module that imports itself back through others: split the shared part out instead.
    'import-x/no-cycle': ['error', { ignoreExternal: true }],
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    '@typescript-eslint/consistent-type-imports': 'error',
    'no-restricted-imports': [
      'error',
      { patterns: [{ group: ['@hyper2kvm/plugin-*', '!@hyper2kvm/plugin-kit'], message: 'A plugin never imports another plugin.' }] },
    ],
  },
});
