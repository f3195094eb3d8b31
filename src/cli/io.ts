/** The terminal as commands see it; main passes the real one, tests a recording one. */
export interface Io {
  stdout(text: string): Promise<void>;
  stderr(text: string): Promise<void>;
  /** stdout is a terminal and neither NO_COLOR nor CI is set: colour and spinner allowed. */
  interactive: boolean;
  /** Width of the terminal stdout is; 0 when it is not a terminal (a pipe or a file: nothing is wrapped). */
  columns: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Writes text; a reader that went away (`| head`) is not an error: the rest of the output has nowhere to go. */
function writer(stream: NodeJS.WriteStream) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  return (text: string) => new Promise<void>((resolve) => (text && !stream.destroyed ? stream.write(text, () => resolve()) : resolve()));
}

export function processIo(): Io {
  const env = process.env;
  return {
    stdout: writer(process.stdout),
    stderr: writer(process.stderr),
    interactive: Boolean(process.stdout.isTTY) && !env.NO_COLOR && !env.CI,
    columns: process.stdout.isTTY ? (process.stdout.columns ?? 0) : 0,
    env,
    cwd: process.cwd(),
  };
}
