/**
 * The slice of OpenAPI 3.1 this API's document uses, typed just enough that a
 * misspelt field (`requird`, `respones`) fails to compile. Schema objects are
 * JSON Schema 2020-12, left open: the contract tests compile every one of them
 * with Ajv in strict mode, which rejects unknown keywords.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Reference {
  $ref: string;
}

export interface HeaderObject {
  description: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface MediaTypeObject {
  schema: JsonSchema;
  examples?: Record<string, { summary?: string; value: unknown }>;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  description: string;
  required?: boolean;
  schema: JsonSchema;
  example?: unknown;
}

export interface RequestBodyObject {
  description?: string;
  required: boolean;
  content: Record<string, MediaTypeObject>;
}

export type SecurityRequirement = Record<string, string[]>;

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: (ParameterObject | Reference)[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject | Reference>;
  /** `[]` for public operations. */
  security?: SecurityRequirement[];
}

export interface PathItemObject {
  get?: OperationObject;
  post?: OperationObject;
}

export interface SecuritySchemeObject {
  type: 'http' | 'apiKey';
  description: string;
  scheme?: string;
  name?: string;
  in?: 'header';
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect?: string;
  info: { title: string; version: string; description: string; license?: { name: string; identifier?: string } };
  servers: { url: string; description?: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
    headers: Record<string, HeaderObject>;
    parameters: Record<string, ParameterObject>;
    securitySchemes: Record<string, SecuritySchemeObject>;
  };
  security: SecurityRequirement[];
  /**
   * What a request that matches no operation of `paths` is answered with (an
   * unknown path, or a known path with another method). OpenAPI has no place
   * for this, so it is an extension; the contract tests read it.
   */
  'x-unmatched-request-responses': Record<string, Reference | ResponseObject>;
}
