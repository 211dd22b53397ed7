/** Small builders of JSON Schema fragments shared by the OpenAPI component modules. */
import type { JsonSchema } from './openapi.types';

export const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/** A closed object: every listed property required, nothing else allowed. */
export const object = (properties: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  additionalProperties: false,
  ...extra,
});
export const count = (description?: string): JsonSchema => ({ type: 'integer', minimum: 0, ...(description ? { description } : {}) });
export const nullableRef = (name: string, description: string): JsonSchema => ({ description, oneOf: [ref(name), { type: 'null' }] });
