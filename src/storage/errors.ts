// The storage stage's one error type: "storage: cannot open database …".
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`storage: ${message}`, options);
    this.name = 'StorageError';
  }
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
