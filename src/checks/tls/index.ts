import type { CheckDefinition } from '../../core/types.js';
import { tlsEnabled } from './enabled.js';
import { tlsFilesCheck } from './files.js';
import { tlsExpiry } from './expiry.js';
import { tlsChain } from './chain.js';
import { tlsSan } from './san.js';
import { tlsLive } from './live.js';

/** The tls checks, in report order. */
export const tlsChecks: CheckDefinition[] = [tlsEnabled, tlsFilesCheck, tlsExpiry, tlsChain, tlsSan, tlsLive];
