/** Whether JSON pointer `path` is `root` or points below it (`/medications/0/dose/value` lies within `/medications/0`). */
export function isWithinPointer(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);
}
