// Machine-checked boundaries (STYLE.md 9): awaited promises, exhaustive switches, no imports across apps.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const otherApps = (app) => ['gateway', 'extractor', 'validator'].filter((a) => a !== app);

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.cache/**', 'coverage/**', 'libs/database/src/generated/**'],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  ...['gateway', 'extractor', 'validator'].map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: otherApps(app).map((other) => ({
            group: [`**/apps/${other}/**`, `../../${other}/**`, `../${other}/**`],
            message: `apps must not import from one another: move shared code to libs/ (${app} → ${other})`,
          })),
        },
      ],
    },
  })),
  {
    // Nest wires these by decorator metadata: type-only imports would erase the classes it injects.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts', 'tools/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain JavaScript has no type information: the type-aware rules above do not apply, ESLint's own do.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: tseslint.configs.disableTypeChecked.languageOptions,
    rules: {
      ...js.configs.recommended.rules,
      ...tseslint.configs.disableTypeChecked.rules,
      // typescript-eslint's rule reports unused variables already; the base rule would report each twice.
      'no-unused-vars': 'off',
    },
  },
  {
    // The reviewers' and finance pages' scripts run in the browser, as ES modules.
    files: ['apps/gateway/src/**/page/assets/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    files: ['eslint.config.js', 'jest*.config.js', '**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
);
