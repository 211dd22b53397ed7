import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const MESSAGES_COLLECTION = 'messages';

export const messageSchema = new Schema(
  {
    /** The message id (messages stored before it have an ObjectId). */
    _id: { type: String },
    message_id: { type: String, required: true },
    session_id: { type: String, required: true },
    task_id: { type: String, required: true },
    role: { type: String, enum: ['user', 'assistant'], required: true },
    content: { type: String, default: '' },
    agent_name: { type: String, default: null },
    created_at: { type: Date, required: true },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: MESSAGES_COLLECTION },
);

messageSchema.index({ session_id: 1, created_at: 1 });
messageSchema.index({ task_id: 1 });
messageSchema.index({ message_id: 1 }, { unique: true });

export function messageModel(conn: Connection) {
  return conn.model('Message', messageSchema, MESSAGES_COLLECTION);
}
export type MessageModel = ReturnType<typeof messageModel>;
