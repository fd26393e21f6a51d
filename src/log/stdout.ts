// stdout belongs to the command's output (JSON, a feed, a table): nothing else may write there. A
// dependency that prints (the srcset parser inside sanitize-html console.logs on a `0w` descriptor)
// would otherwise corrupt `once --json` or `parse`. Kept free of heavy imports: it runs at start-up.

let original: ((text: string) => boolean) | undefined;

/**
 * Take stdout for the command: returns the only writer that still reaches it, and sends everything
 * else written to process.stdout (console.log, direct writes, worker threads' output, which Node pipes
 * into process.stdout) to stderr instead. Idempotent.
 */
export function keepStdoutFor(): (text: string) => boolean {
  if (!original) {
    const stdout = process.stdout;
    const write = stdout.write.bind(stdout);
    original = (text: string) => write(text);
    const toStderr = ((chunk: string | Uint8Array, encodingOrCb?: BufferEncoding | ((err?: Error | null) => void),
      cb?: (err?: Error | null) => void): boolean => {
      if (typeof encodingOrCb === 'function') return process.stderr.write(chunk, encodingOrCb);
      return encodingOrCb ? process.stderr.write(chunk, encodingOrCb, cb) : process.stderr.write(chunk, cb);
    }) as typeof stdout.write;
    stdout.write = toStderr;
  }
  return original;
}
