import type { CheckDefinition } from '../../core/types.js';
import { configEnvOverridesCheck } from './env-overrides.js';

/** The config checks, in report order. */
export const configChecks: CheckDefinition[] = [
  configEnvOverridesCheck,
];
