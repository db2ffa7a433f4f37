/** @jest-config-loader ts-node */
/** @jest-config-loader-options {"transpileOnly": true} */
import type { Config } from 'jest';

// Our sources are ESM (NodeNext, `.js` specifiers); Nest 12 and PGlite ship ESM (PGlite's CommonJS build
// imports Node built-ins dynamically, which Jest's vm sandbox refuses). Jest runs them all as CommonJS
// through swc, so those packages must not be skipped by the transform.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

function project(name: string, dir: string): Config {
  return {
    displayName: name,
    rootDir: `<rootDir>/${dir}`,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/**/*.spec.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    transform: { '^.+\\.c?(t|j)sx?$': ['@swc/jest', swc] },
    transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@electric-sql)/)'],
    moduleNameMapper: {
      '^@tiercache/core$': '<rootDir>/../../packages/core/src/index.ts',
      '^@tiercache/core/testing$': '<rootDir>/../../packages/core/src/testing/index.ts',
      '^@tiercache/nestjs$': '<rootDir>/../../packages/nestjs/src/index.ts',
      '^@tiercache/nestjs/testing$': '<rootDir>/../../packages/nestjs/src/testing/index.ts',
      '^@tiercache/nestjs/warmers$': '<rootDir>/../../packages/nestjs/src/warmers/index.ts',
      '^@tiercache/nestjs/events$': '<rootDir>/../../packages/nestjs/src/events/index.ts',
      '^@tiercache/nestjs/http$': '<rootDir>/../../packages/nestjs/src/http/index.ts',
      '^@tiercache/nestjs/tenancy$': '<rootDir>/../../packages/nestjs/src/tenancy/index.ts',
      '^@tiercache/nestjs/health$': '<rootDir>/../../packages/nestjs/src/health/index.ts',
      '^@tiercache/nestjs/inspector$': '<rootDir>/../../packages/nestjs/src/inspector/index.ts',
      '^@tiercache/nestjs/metrics$': '<rootDir>/../../packages/nestjs/src/metrics/index.ts',
      '^@tiercache/nestjs/metrics/prometheus$': '<rootDir>/../../packages/nestjs/src/metrics/prometheus/index.ts',
      '^@tiercache/nestjs/metrics/opentelemetry$': '<rootDir>/../../packages/nestjs/src/metrics/opentelemetry/index.ts',
      '^@tiercache/nestjs/write-behind$': '<rootDir>/../../packages/nestjs/src/write-behind/index.ts',
      '^@tiercache/nestjs/write-behind/health$': '<rootDir>/../../packages/nestjs/src/write-behind/health/index.ts',
      '^@tiercache/nestjs/write-behind/prometheus$': '<rootDir>/../../packages/nestjs/src/write-behind/prometheus/index.ts',
      '^@tiercache/nestjs/write-behind/opentelemetry$': '<rootDir>/../../packages/nestjs/src/write-behind/opentelemetry/index.ts',
      '^@tiercache/nestjs/absent-keys$': '<rootDir>/../../packages/nestjs/src/absent-keys/index.ts',
      '^@tiercache/nestjs/absent-keys/health$': '<rootDir>/../../packages/nestjs/src/absent-keys/health/index.ts',
      '^@tiercache/nestjs/absent-keys/prometheus$': '<rootDir>/../../packages/nestjs/src/absent-keys/prometheus/index.ts',
      '^@tiercache/nestjs/hot-keys$': '<rootDir>/../../packages/nestjs/src/hot-keys/index.ts',
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
  };
}

const config: Config = {
  // The exit guard fails a run that a leaked handle would keep alive, and names the handle.
  reporters: ['default', '<rootDir>/tools/jest/exit-guard-reporter.cjs'],
  globalSetup: '<rootDir>/tools/redis/global-setup.ts',
  globalTeardown: '<rootDir>/tools/redis/global-teardown.ts',
  projects: [
    project('core', 'packages/core'),
    project('nestjs', 'packages/nestjs'),
    project('leaderboard', 'apps/leaderboard'),
  ],
};

export default config;
