/**
 * Marks a refusal that is a wrong argument, not a failed command: the job's `sh` rejects
 * with a TypeError for it (the message crosses IPC as text, so the name travels in it).
 * No imports: the pipeline child's bundle includes this file.
 */
export const TYPE_ERROR = "TypeError: ";
