import type { CheckDefinition } from '../../core/types.js';
import { outbound25 } from './outbound-25.js';
import { smtpListen } from './smtp-listen.js';
import { altPorts } from './alt-ports.js';
import { poolIpsBoundCheck } from './pool-ips-bound.js';

/** The network checks, in report order. */
export const networkChecks: CheckDefinition[] = [outbound25, smtpListen, altPorts, poolIpsBoundCheck];
