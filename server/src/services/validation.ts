/** Input validation at the edge: a zod schema or a bad-request DomainError with field-level messages. */
import type { z } from 'zod';
import { DomainError } from '../contract/errors.ts';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.') || '(body)';
    fields[path] ??= issue.message;
  }
  const list = Object.entries(fields).map(([path, message]) => `${path}：${message}`);
  throw new DomainError('bad-request', `请求内容有误：${list.join('；')}`, fields);
}
