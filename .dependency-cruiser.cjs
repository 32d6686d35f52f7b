// dependency-cruiser rules for tapegrad, checked by `npm test` (scripts/check-cycles.mjs runs them
// before turbo) over packages/*/src and apps/*/src. Only runtime imports count: `import type` is
// erased by the compiler and cannot make a module load before its dependency
// (tsPreCompilationDeps: false).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle works only while every use sits inside a function body, and breaks on the first ' +
        'top-level use. Break it: pass the function in, move the shared part into its own module, or ' +
        'make the import type-only.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|build|node_modules)/' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      extensionAlias: { '.js': ['.ts', '.js'] },
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
  },
};
