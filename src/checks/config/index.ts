import type { CheckDefinition } from '../../core/types.js';
import { configEnvOverridesCheck } from './env-overrides.js';
import { appSmtp } from './app-smtp.js';

/** The config checks, in report order. */
export const configChecks: CheckDefinition[] = [
  appSmtp,
  configEnvOverridesCheck,
];
