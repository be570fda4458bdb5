/**
 * No longer started: a host run's sandbox runs a shell, not Node (see host-sandbox.ts and
 * spawner-shell.ts). Kept empty only while the build still names this entry point.
 */
export {};
