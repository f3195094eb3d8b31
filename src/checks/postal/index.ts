import type { CheckDefinition } from '../../core/types.js';
import { postalVersionCheck } from './version.js';
import { postalContainersCheck } from './containers.js';
import { postalHeloHostnameCheck } from './helo-hostname.js';
import { postalRestartNeededCheck } from './restart-needed.js';
import { ipPoolsCheck } from './ip-pools.js';

/** The postal checks, in report order. */
export const postalChecks: CheckDefinition[] = [
  postalVersionCheck,
  postalContainersCheck,
  postalHeloHostnameCheck,
  postalRestartNeededCheck,
  ipPoolsCheck,
];
