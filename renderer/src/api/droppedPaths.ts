/**
 * The paths a drop carries. Desktop files give their own paths when the desktop shell can tell them
 * (pathForFile: Electron's webUtils.getPathForFile); otherwise the drop's text is read as paths, one
 * per line, as a file manager or a terminal gives a web page (file:// URLs too). A web page alone
 * cannot learn where a dropped desktop file lives: then this is empty.
 */
export function droppedPaths<F>(
  drop: { files: Iterable<F>; text: string },
  pathForFile?: (file: F) => string,
): string[] {
  const ownPaths = pathForFile ? [...drop.files].map(pathForFile).filter(Boolean) : [];
  if (ownPaths.length) return ownPaths;
  return drop.text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => (line.startsWith('file://') ? decodeUriPath(line.slice('file://'.length)) : line));
}

/** A file URL's path; kept as it is when its %-escapes are not valid. */
function decodeUriPath(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

/** Whether a drag carries desktop files (rather than text or an element of the page). */
export const carriesFiles = (event: { dataTransfer: { types: readonly string[] } | null }): boolean =>
  event.dataTransfer?.types.includes('Files') === true;
