import { z } from 'zod';

/** Name of the structured output the model is asked for (the JSON schema name sent to the provider). */
export const ROUTE_DECISION_SCHEMA_NAME = 'route_decision';

/**
 * The classifier's answer. `agent_name` is a free string on purpose: the
 * business rules in `route_to_agent`, not the schema, decide what a name the
 * registry does not know means.
 */
export const routeDecisionSchema = z.object({
  agent_name: z.string().describe('Exactly one of the agent names listed in the instructions, or "Unknown".'),
  confidence: z.number().min(0).max(1).describe('Calibrated probability, from 0 to 1, that this choice is right.'),
  reasoning: z.string().describe('One or two sentences on why this agent fits the task, or why none does.'),
});

export type RouteDecisionAnswer = z.infer<typeof routeDecisionSchema>;
