/** geojson-validation 1.x ships no types; the one call the tests use. */
declare module 'geojson-validation' {
  /** With trace: the list of problems (empty when valid). */
  export function valid(object: unknown, trace: true): string[];
  export function valid(object: unknown, trace?: false): boolean;
}
