/**
 * Shallow-merges `overrides` over `defaults`. A key whose override is
 * `undefined` is removed, so tests can produce tokens that lack a claim (or a
 * header field) without reimplementing the defaults.
 *
 * Defaults keep their position and new keys are appended, so the serialised
 * JSON keeps Cognito's field order.
 */
export function applyOverrides(
  defaults: Record<string, unknown>,
  overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults, ...overrides };
  for (const key of Object.keys(merged)) {
    if (merged[key] === undefined) delete merged[key];
  }
  return merged;
}
