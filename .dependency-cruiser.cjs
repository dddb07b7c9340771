/**
 * Dependency rules, run by `npm run lint` (scripts: lint:deps). A folder is a business component;
 * two components that import each other are one component in two places, so cycles are refused
 * between folders as well as between files.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Files that import each other (directly or through others) cannot be understood or tested apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'Folders (components) that import each other: move the shared piece or invert the dependency.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
