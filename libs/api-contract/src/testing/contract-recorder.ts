/** Where the contract check puts what it finds; free of Ajv, so the Jest setup file loads fast. */

export interface ContractViolation {
  /** `GET /v1/tasks/{task_id} → 200`, or the raw path when no operation matched. */
  response: string;
  problems: string[];
}

/** Collects the contract violations of the responses an app sends. */
export class ContractRecorder {
  private violations: ContractViolation[] = [];
  /** How many responses were checked, violations or not. */
  checked = 0;

  record(violation: ContractViolation): void {
    this.violations.push(violation);
  }

  /** The violations recorded since the last call. */
  take(): ContractViolation[] {
    return this.violations.splice(0);
  }

  /** @throws when violations were recorded since the last call, listing them */
  assertNone(when: string): void {
    const violations = this.take();
    if (violations.length > 0) {
      throw new Error(
        `${violations.length} response(s) ${when} broke the OpenAPI contract (libs/api-contract): fix the code, or the document if the code is right.\n${formatViolations(violations)}`,
      );
    }
  }
}

export function formatViolations(violations: readonly ContractViolation[]): string {
  return violations.map((v) => `  ${v.response}\n${v.problems.map((p) => `    - ${p}`).join('\n')}`).join('\n');
}
