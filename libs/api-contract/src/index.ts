export * from './http';
export { buildOpenApiDocument, type OpenApiOptions } from './openapi/openapi.document';
export type {
  HeaderObject,
  JsonSchema,
  MediaTypeObject,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  PathItemObject,
  Reference,
  RequestBodyObject,
  ResponseObject,
  SecurityRequirement,
  SecuritySchemeObject,
} from './openapi/openapi.types';
