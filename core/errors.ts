/**
 * Thrown only when infrastructure breaks (disk, git, docker). Adapters wrap vendor
 * errors in this so callers never see an ExecaError or a raw errno.
 */
export class QuireError extends Error {
  override readonly name: string = "QuireError";
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export class StorageError extends QuireError {
  override readonly name = "StorageError";
}

export class GitError extends QuireError {
  override readonly name = "GitError";
}

export class ContainerError extends QuireError {
  override readonly name = "ContainerError";
}
