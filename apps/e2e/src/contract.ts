/**
 * Holds every response the e2e suites get from the real API processes against
 * the OpenAPI document those processes serve (GET /v1/openapi.json), with the
 * contract's test kit (`@agent-orchestrator/api-contract/testing`), the one the
 * api's specs use.
 */
import { contractFor, type ContractExchange, type OpenApiContract } from '@agent-orchestrator/api-contract/testing';

type Exchange = Omit<ContractExchange, 'route'>;
type Contract = Pick<OpenApiContract, 'check' | 'describe'>;

async function exchangeOf(url: string, method: string, res: Response): Promise<Exchange> {
  const bytes = Buffer.from(await res.clone().arrayBuffer());
  const headers = Object.fromEntries(res.headers.entries());
  const checked = /^(application\/([\w.+-]*\+)?json\b|text\/event-stream\b)/i.test(headers['content-type'] ?? '');
  return { method: method.toUpperCase(), path: new URL(url).pathname, status: res.status, headers, body: checked ? bytes.toString('utf8') : undefined, bodyBytes: bytes.length };
}

export class ApiContract {
  private readonly contracts = new Map<string, Promise<Contract>>();
  private violations: string[] = [];
  /** How many responses were checked. */
  checked = 0;

  /**
   * `fetch`, then the response is held against the document of the API that
   * answered. A violation throws here and is also kept for `assertClean`, so
   * one swallowed by a retry loop (waitFor) still fails the test.
   */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, init);
    const exchange = await exchangeOf(url, init.method ?? 'GET', res);
    const contract = await this.contractOf(new URL(url).origin);
    this.checked += 1;
    const problems = contract.check(exchange);
    if (problems.length > 0) {
      const violation = `${contract.describe(exchange)}\n${problems.map((p) => `    - ${p}`).join('\n')}`;
      this.violations.push(violation);
      throw new Error(`the API broke its OpenAPI contract:\n  ${violation}`);
    }
    return res;
  }

  /** @throws when any response since the last call broke the contract */
  assertClean(): void {
    const violations = this.violations.splice(0);
    if (violations.length > 0) throw new Error(`${violations.length} response(s) broke the OpenAPI contract:\n  ${violations.join('\n  ')}`);
  }

  /** The document the API at `origin` serves; its own response is checked against it too. */
  private contractOf(origin: string): Promise<Contract> {
    let contract = this.contracts.get(origin);
    if (!contract) {
      contract = (async () => {
        const url = `${origin}/v1/openapi.json`;
        const res = await fetch(url);
        if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
        const exchange = await exchangeOf(url, 'GET', res);
        const loaded = contractFor((await res.json()) as object);
        const problems = loaded.check(exchange);
        if (problems.length > 0) throw new Error(`GET ${url} breaks its own document: ${problems.join('; ')}`);
        return loaded;
      })();
      contract.catch(() => this.contracts.delete(origin));
      this.contracts.set(origin, contract);
    }
    return contract;
  }
}
