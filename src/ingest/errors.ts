import { InputError, type FieldIssue } from '../errors/domain-errors.js';

/** A batch was rejected as a whole; nothing of it was written. */
export class BatchValidationError extends InputError {
  constructor(issues: FieldIssue[], totalIssues = issues.length) {
    const first = issues[0];
    const records = new Set(issues.map((i) => i.index)).size;
    const count = totalIssues > issues.length ? `${totalIssues} problems` : `${records} invalid record${records === 1 ? '' : 's'}`;
    super(`${count}; nothing was written.` + (first ? ` First: ${first.field} ${first.message}.` : ''), issues, totalIssues);
    this.name = 'BatchValidationError';
  }
}

export function fieldPath(root: string, index: number, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), `${root}[${index}]`);
}
