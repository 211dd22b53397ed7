export { OpenApiContract, contractFor, type ContractExchange } from './openapi-contract';
export { ContractRecorder, formatViolations, type ContractViolation } from './contract-recorder';
