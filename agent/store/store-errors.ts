/** Classifies SQLite failures: which mean "the file is damaged", which mean "try again later". */

/** The SQLite error code (e.g. "SQLITE_FULL", "SQLITE_IOERR_WRITE"), if the error carries one. */
export function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** The file is not a database or its pages are damaged: moving it aside is the only way forward. */
export function isCorruptionError(error: unknown): boolean {
  if (error instanceof CorruptDatabaseError) return true;
  const code = sqliteCode(error);
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || (code?.startsWith('SQLITE_CORRUPT_') ?? false);
}

/**
 * The store cannot write right now (disk full, I/O error, locked by another process, read-only
 * file, closed): the data is fine and a later attempt may succeed.
 */
export function isStoreUnavailableError(error: unknown): boolean {
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) return true;
  const code = sqliteCode(error);
  if (code === undefined) return false;
  return /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|NOMEM|PROTOCOL|CORRUPT|NOTADB)/.test(code);
}

/** What the operator should check for a given failure, for log messages. */
export function storeErrorHint(error: unknown): string {
  const code = sqliteCode(error) ?? '';
  if (code.startsWith('SQLITE_FULL')) return 'the disk holding the store is full: free space or raise the disk budget';
  if (code.startsWith('SQLITE_IOERR')) return 'the disk reported an I/O error: check the storage device and the kernel log (dmesg)';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'another process holds the database locked: close any sqlite3 shell or tool that has it open';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')) return 'the database file or its folder is not writable by the shaftgate user: check ownership and permissions';
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return 'the database file is damaged: restart the agent, it moves the file aside and starts a new one';
  return 'see the error message';
}

export class CorruptDatabaseError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`store database ${path} failed its integrity check: ${detail}`);
    this.name = 'CorruptDatabaseError';
  }
}

/** The database could not be opened for a reason that moving it aside would not fix. */
export class StoreOpenError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`cannot open store database ${path}: ${message}. Check: ${storeErrorHint(cause) === 'see the error message' ? 'the folder exists and is writable by the shaftgate user, and the disk is not full' : storeErrorHint(cause)}.`, { cause });
    this.name = 'StoreOpenError';
  }
}
