// Lint rules for v6stack. Protocol layers may not read real time or unseeded randomness:
// only time/ and io/ (and the CLI, benchmarks and tests) touch the outside world.
import tseslint from 'typescript-eslint';

const realTime = [
  { object: 'Date', property: 'now', message: 'Use the injected Clock (time/).' },
  { object: 'Math', property: 'random', message: 'Use the namespace rng (net/rng.ts).' },
  { object: 'performance', property: 'now', message: 'Use the injected Clock (time/).' },
];
const realTimers = [
  { name: 'setTimeout', message: 'Use the namespace timer queue (time/).' },
  { name: 'setInterval', message: 'Use the namespace timer queue (time/).' },
  { name: 'setImmediate', message: 'Use the namespace timer queue (time/).' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object and a derived union.' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No runtime namespaces.' },
      ],
    },
  },
  {
    files: ['src/{uapi,wire,net,netlink,ipv6,gtp5g,iproute,sim}/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error', ...realTime],
      'no-restricted-globals': ['error', ...realTimers],
    },
  },
);
