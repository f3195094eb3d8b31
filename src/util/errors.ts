/** The doctor could not do its job (bad usage, unreadable config, internal error): exit code 2. */
export class DoctorError extends Error {
  readonly exitCode = 2;
}

/** Wrong flags or arguments. */
export class UsageError extends DoctorError {}
