import type { z } from 'zod';

/**
 * What any text from a client must not contain, checked in one place for every field: control
 * characters (C0 and C1; tab and line breaks only where a field is multi-line), invalid
 * Unicode (lone surrogates, which PostgreSQL and UTF-8 cannot store: they answered 500), and
 * the bidirectional overrides and isolates that make text read differently than it is stored
 * ("Trojan Source"). The API applies `textIssue` to every string of every request, and the
 * schemas below carry it as a refinement so the portal's forms say the same.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

const LINE_BREAKS = /[\t\n\r]/u;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/u;
/** A high surrogate not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function textIssue(value: string, options: { multiline?: boolean } = {}): string | null {
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (it contains a lone surrogate)';
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (!options.multiline && LINE_BREAKS.test(value)) {
    return 'must be a single line (no tabs or line breaks)';
  }
  if (BIDI_CONTROLS.test(value)) return 'must not contain bidirectional override characters';
  return null;
}

/** The shared refinement: adds `textIssue`'s message to a string schema. */
export function safeText<T extends z.ZodType<string>>(
  schema: T,
  options: { multiline?: boolean } = {},
): T {
  return schema.superRefine((value, context) => {
    const issue = textIssue(value, options);
    if (issue) context.addIssue({ code: 'custom', message: issue });
  });
}

/**
 * The first string anywhere in `data` (a parsed body, query or params) with a text issue, as
 * a path and a message; null when all are clean. Visits at most `limit` values.
 */
export function findTextIssue(
  data: unknown,
  limit = 100_000,
): { path: string; message: string } | null {
  const stack: { value: unknown; path: string }[] = [{ value: data, path: '' }];
  let visited = 0;
  while (stack.length > 0 && visited < limit) {
    const { value, path } = stack.pop()!;
    visited += 1;
    if (typeof value === 'string') {
      // Line breaks are fine in any free text (descriptions); single-line fields refuse them.
      const issue = textIssue(value, { multiline: true });
      if (issue) return { path, message: issue };
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: `${path}/${index}` }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const keyIssue = textIssue(key);
        if (keyIssue) return { path: `${path}/${key}`, message: `a key ${keyIssue}` };
        stack.push({ value: item, path: `${path}/${key}` });
      }
    }
  }
  return null;
}
