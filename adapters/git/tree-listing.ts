/** Modes of the tree entries git counts as blobs: files, executables, symlinks. */
const BLOB_MODE = /^(?:100644|100755|100664|120000)$/;

/**
 * The names of a raw tree object's blob entries. A tree is a run of
 * `<mode> <name>\0<object id>` entries, the id in binary: 20 bytes for sha-1, 32 for sha-256.
 */
export function blobNames(tree: Buffer, idBytes: 20 | 32): Set<string> {
  const names = new Set<string>();
  for (let at = 0; at < tree.length; ) {
    const space = tree.indexOf(0x20, at);
    const nul = space === -1 ? -1 : tree.indexOf(0, space + 1);
    if (nul === -1) break;
    const mode = tree.toString("latin1", at, space);
    if (BLOB_MODE.test(mode)) names.add(tree.toString("utf8", space + 1, nul));
    at = nul + 1 + idBytes;
  }
  return names;
}
