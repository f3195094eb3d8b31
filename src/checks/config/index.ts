import type { CheckDefinition } from '../../core/types.js';
import { configEnvOverridesCheck } from './env-overrides.js';
import { appSmtp } from './app-smtp.js';
import { configSyntax } from './syntax.js';
import { configUnknownKeys } from './unknown-keys.js';
import { configHostnames } from './hostnames.js';
import { configSecrets } from './secrets.js';
import { configPaths } from './paths.js';

/** The config checks, in report order. */
export const configChecks: CheckDefinition[] = [
  configSyntax,
  configUnknownKeys,
  configHostnames,
  configSecrets,
  configPaths,
  appSmtp,
  configEnvOverridesCheck,
];
