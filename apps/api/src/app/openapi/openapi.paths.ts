/** Where the OpenAPI document is served. */
export const OPENAPI_PATH = '/v1/openapi.json';
