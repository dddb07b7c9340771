/** Lowercased, trimmed: names are unique case-insensitively, and products are filtered by this key. */
export function categoryKey(name: string): string {
  return name.trim().toLowerCase();
}
