/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // The container image tests run on their own, after a build: `npm run test:image`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/image/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
    // The OTLP exporter loads node:http with import(), which jest's vm refuses without
    // --experimental-vm-modules: compiled here, import() becomes require(). (Plain Node needs nothing.)
    '/@opentelemetry/otlp-exporter-base/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@opentelemetry/otlp-exporter-base/)'],
  // Dynamic imports name the compiled .js file (node16 resolution); map them back to the .ts source.
  // jose is ESM-only: load it with Node's require (see the file).
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^jose$': '<rootDir>/tests/helpers/jose-native.js' },
  // onnxruntime-node's arrays come from the outer realm (see the file).
  setupFiles: ['<rootDir>/tests/helpers/realms.ts'],
  testTimeout: 30000,
  // Queue tests share one Redis; keep suites from starving each other on 2 cores.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/helpers/summary-reporter.js'],
};
