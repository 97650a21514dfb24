/** Stable, diff-friendly GeoJSON/JSON text: one feature per line, key order as built. */
export function serializeCollection(features: readonly unknown[]): string {
  return `{"type":"FeatureCollection","features":[\n${features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`;
}

export function serializeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}
