/**
 * Holds HTTP responses against an OpenAPI 3.1 document: the operation (method
 * + path template), the status, the documented headers (required ones must be
 * there; every documented one present must match its schema), the content type
 * and the body (JSON Schema 2020-12, via Ajv with formats). Used by the api's
 * specs (apps/api's contract-check middleware) and by the e2e suites on `fetch`
 * responses. It knows nothing of this API beyond what the document says.
 *
 * Requests that match no operation are held against the document's
 * `x-unmatched-request-responses` (this API's 404 / 405 / 401 / 429 rule).
 * OPTIONS answered with an empty 204 (CORS preflights, `Allow`) is outside the
 * document; HEAD is held against the GET operation, without a body.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export interface ContractExchange {
  method: string;
  /** The request path as sent (percent-encoded), without the query string. */
  path: string;
  /** The Express route that handled the request (`/v1/tasks/:task_id`), when one did. */
  route?: string;
  status: number;
  /** Response headers, names in lower case. */
  headers: Readonly<Record<string, string | number | readonly string[] | undefined>>;
  /** The body text, when it is JSON; other bodies are only counted (bodyBytes). */
  body?: string;
  bodyBytes: number;
}

type Json = Record<string, unknown>;

const SCHEMAS_ID = 'openapi:components';
const UNMATCHED = 'x-unmatched-request-responses';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const MAX_PROBLEMS = 12;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy in which every `#/components/schemas/X` ref points into the schema registered with Ajv. */
function retarget(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(retarget);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/') ? `${SCHEMAS_ID}#/$defs/${v.slice('#/components/schemas/'.length)}` : retarget(v);
  }
  return out;
}

function headerValue(value: string | number | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** Header values are text; a header documented as a number is compared as one. */
function coerceHeader(value: string, schema: Json): unknown {
  const type = schema['type'];
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

const isJsonMediaType = (type: string): boolean => type === 'application/json' || type.endsWith('+json');

/**
 * The messages of a Server-Sent Events body as a parser sees them (`{ id?, event, data, retry? }`,
 * `data` lines joined, comments skipped), the shape the document's `text/event-stream` schema
 * describes (OpenAPI 3.1: `schema` is each event's).
 */
export function sseMessages(text: string): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  let fields: Record<string, unknown> = {};
  let data: string[] = [];
  const flush = () => {
    if (data.length > 0) messages.push({ ...fields, event: fields['event'] ?? 'message', data: data.join('\n') });
    fields = {};
    data = [];
  };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') flush();
    else if (!line.startsWith(':')) {
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event' || field === 'id') fields[field] = value;
      else if (field === 'retry' && /^\d+$/.test(value)) fields[field] = Number(value);
    }
  }
  flush();
  return messages;
}

interface PathMatcher {
  template: string;
  regex: RegExp;
  literalSegments: number;
}

export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly paths: PathMatcher[];
  private readonly compiled = new WeakMap<object, ValidateFunction>();

  constructor(private readonly document: Json) {
    if (typeof document['openapi'] !== 'string' || !document['openapi'].startsWith('3.1.')) {
      throw new Error(`not an OpenAPI 3.1 document (openapi: ${String(document['openapi'])})`);
    }
    // strict: an unknown keyword (a 3.0 `nullable`, a typo) is an error, not silently ignored.
    this.ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, validateFormats: true });
    addFormats(this.ajv);
    const components = isObject(document['components']) ? document['components'] : {};
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: retarget(components['schemas'] ?? {}) as Json });
    this.paths = Object.keys(isObject(document['paths']) ? document['paths'] : {}).map((template) => {
      const segments = template.split('/').map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return {
        template,
        // As Express matches by default: case-insensitive, with or without a trailing slash.
        regex: new RegExp(`^${segments.join('/')}/?$`, 'i'),
        literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
      };
    });
  }

  /** Every operation of the document, as `METHOD /path`. */
  operations(): string[] {
    const paths = this.document['paths'] as Record<string, Json>;
    return Object.entries(paths).flatMap(([path, item]) => METHODS.filter((m) => isObject(item[m])).map((m) => `${m.toUpperCase()} ${path}`));
  }

  /**
   * Compiles every schema the document holds (components, parameters, bodies,
   * headers), so a document error shows up even for a response no test causes.
   * @returns the problems found (empty when every schema compiles and every $ref resolves)
   */
  compileAll(): string[] {
    const problems: string[] = [];
    const visit = (value: unknown, at: string): void => {
      if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${at}/${i}`));
      if (!isObject(value)) return;
      if (typeof value['$ref'] === 'string') {
        try {
          this.resolve(value);
        } catch (err) {
          problems.push(`${at}: ${(err as Error).message}`);
        }
      }
      for (const [key, v] of Object.entries(value)) {
        if (key === 'schema' && isObject(v)) {
          try {
            this.validator(v);
          } catch (err) {
            problems.push(`${at}/schema: ${(err as Error).message}`);
          }
        }
        visit(v, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      }
    };
    visit(this.document, '#');
    const components = isObject(this.document['components']) ? this.document['components'] : {};
    for (const name of Object.keys(isObject(components['schemas']) ? components['schemas'] : {})) {
      try {
        this.ajv.compile({ $ref: `${SCHEMAS_ID}#/$defs/${name}` });
      } catch (err) {
        problems.push(`#/components/schemas/${name}: ${(err as Error).message}`);
      }
    }
    return problems;
  }

  /** The problems of one response; empty when it keeps the contract. */
  check(exchange: ContractExchange): string[] {
    const method = exchange.method.toUpperCase();
    if (method === 'OPTIONS' && exchange.status === 204 && exchange.bodyBytes === 0) return [];
    const problems: string[] = [];
    const match = this.matchPath(exchange.path);

    if (exchange.route !== undefined) {
      const served = exchange.route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      if (served !== match?.template) problems.push(`served by the route ${exchange.route}, which the document does not describe`);
    }

    const pathItem = match ? ((this.document['paths'] as Record<string, Json>)[match.template] as Json) : undefined;
    const operation = pathItem?.[method === 'HEAD' ? 'get' : method.toLowerCase()];
    let responses: Json;
    if (isObject(operation)) {
      responses = this.resolve(operation['responses']);
    } else {
      const unmatched = this.document[UNMATCHED];
      if (!isObject(unmatched)) return [`no operation ${method} ${match?.template ?? exchange.path} in the document`];
      responses = unmatched;
      if (match && exchange.status === 404) problems.push(`the path exists (${match.template}): another method should get 405, not 404`);
      if (!match && exchange.status === 405) problems.push('405 for a path the document does not have');
    }

    const key = [String(exchange.status), `${String(exchange.status)[0]}XX`, 'default'].find((k) => k in responses);
    if (key === undefined) {
      problems.push(`status ${exchange.status} is not documented (documented: ${Object.keys(responses).join(', ')})`);
      return problems;
    }
    const response = this.resolve(responses[key]);
    problems.push(...this.checkHeaders(response, exchange));
    if (method !== 'HEAD') problems.push(...this.checkContent(response, exchange));
    return problems.slice(0, MAX_PROBLEMS);
  }

  /** `METHOD /template → status` for messages. */
  describe(exchange: Pick<ContractExchange, 'method' | 'path' | 'status'>): string {
    const template = this.matchPath(exchange.path)?.template;
    return `${exchange.method.toUpperCase()} ${template ?? `${exchange.path} (no such path)`} → ${exchange.status}`;
  }

  private matchPath(path: string): PathMatcher | undefined {
    // The most specific template wins, as `/docs` over `/{anything}` would.
    return this.paths.filter((p) => p.regex.test(path)).sort((a, b) => b.literalSegments - a.literalSegments)[0];
  }

  private checkHeaders(response: Json, exchange: ContractExchange): string[] {
    const problems: string[] = [];
    const headers = isObject(response['headers']) ? response['headers'] : {};
    for (const [name, ref] of Object.entries(headers)) {
      if (name.toLowerCase() === 'content-type') continue;
      const header = this.resolve(ref);
      const value = headerValue(exchange.headers[name.toLowerCase()]);
      if (value === undefined) {
        if (header['required'] === true) problems.push(`required header ${name} is missing`);
        continue;
      }
      const schema = this.resolve(header['schema']);
      const validate = this.validator(schema);
      if (!validate(coerceHeader(value, schema))) problems.push(...this.describeErrors(validate.errors, `header ${name} (${JSON.stringify(value)})`));
    }
    return problems;
  }

  private checkContent(response: Json, exchange: ContractExchange): string[] {
    const content = isObject(response['content']) ? response['content'] : undefined;
    const hasBody = exchange.bodyBytes > 0;
    if (!content) return hasBody ? [`a body (${exchange.bodyBytes} bytes) where the document has none`] : [];
    const documented = Object.keys(content);
    const type = mediaTypeOf(headerValue(exchange.headers['content-type']));
    if (!hasBody) return [`no body where the document has ${documented.join(' or ')}`];
    if (type === undefined) return ['a body without Content-Type'];
    const mediaKey = documented.find((m) => m.toLowerCase() === type) ?? documented.find((m) => m.endsWith('/*') && type.startsWith(m.slice(0, -1)));
    if (mediaKey === undefined) return [`Content-Type ${type} is not documented (documented: ${documented.join(', ')})`];
    const media = this.resolve(content[mediaKey]);
    if (type === 'text/event-stream' && isObject(media['schema'])) {
      if (exchange.body === undefined) return [`a ${type} body that was not captured`];
      return this.checkEvents(this.resolve(media['schema']), exchange.body);
    }
    if (!isJsonMediaType(type) || !isObject(media['schema'])) return [];
    if (exchange.body === undefined) return [`a ${type} body that was not captured`];
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch {
      return [`the body is not valid JSON: ${exchange.body.slice(0, 80)}`];
    }
    const validate = this.validator(media['schema']);
    return validate(body) ? [] : this.describeErrors(validate.errors, 'body');
  }

  /** Each message against the event schema, and its `data` against `contentSchema` when the schema says it is JSON. */
  private checkEvents(schema: Json, body: string): string[] {
    const validate = this.validator(schema);
    const properties = isObject(schema['properties']) ? schema['properties'] : {};
    const dataSchema = isObject(properties['data']) ? this.resolve(properties['data']) : {};
    const content = dataSchema['contentMediaType'] === 'application/json' && isObject(dataSchema['contentSchema']) ? dataSchema['contentSchema'] : undefined;
    const problems: string[] = [];
    sseMessages(body).forEach((message, i) => {
      const subject = `event #${i} (${String(message['event'])})`;
      if (!validate(message)) problems.push(...this.describeErrors(validate.errors, subject));
      if (!content) return;
      let data: unknown;
      try {
        data = JSON.parse(String(message['data']));
      } catch {
        problems.push(`${subject} data is not valid JSON: ${String(message['data']).slice(0, 80)}`);
        return;
      }
      const validateData = this.validator(content);
      if (!validateData(data)) problems.push(...this.describeErrors(validateData.errors, `${subject} data`));
    });
    return problems;
  }

  private validator(schema: Json): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(retarget(schema) as Json);
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  private describeErrors(errors: ErrorObject[] | null | undefined, subject: string): string[] {
    return (errors ?? []).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params['additionalProperty'])})` : e.keyword === 'enum' || e.keyword === 'const' ? ` ${JSON.stringify(e.params)}` : '';
      return `${subject}${e.instancePath} ${e.message ?? e.keyword}${extra}`;
    });
  }

  /** Follows `$ref`s within the document (`#/…` JSON pointers). */
  private resolve(value: unknown): Json {
    let current = value;
    for (let hops = 0; isObject(current) && typeof current['$ref'] === 'string'; hops++) {
      const ref = current['$ref'];
      if (hops > 16 || !ref.startsWith('#/')) throw new Error(`cannot resolve $ref ${ref}`);
      current = ref
        .slice(2)
        .split('/')
        .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((node, part) => (isObject(node) ? node[part] : undefined), this.document);
      if (current === undefined) throw new Error(`$ref ${ref} points at nothing`);
    }
    if (!isObject(current)) throw new Error(`expected an object, got ${JSON.stringify(current)}`);
    return current;
  }
}

/** One compiled contract per distinct document (apps built with the same settings share it). */
const cache = new Map<string, OpenApiContract>();

export function contractFor(document: object): OpenApiContract {
  const key = JSON.stringify(document);
  let contract = cache.get(key);
  if (!contract) {
    contract = new OpenApiContract(document as Json);
    cache.set(key, contract);
  }
  return contract;
}
