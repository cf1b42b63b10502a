import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

export default {
  ...jestConfig,
  testPathIgnorePatterns: ['<rootDir>/node_modules/', '<rootDir>/(?!force-app/)'],
};
