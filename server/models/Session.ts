import { Model } from 'objection';

export class Session extends Model {
  static tableName = 'sessions';

  id!: string;
  user_id!: string;
  token_hash!: string;
  created_at!: string;
  last_used_at!: string;
  expires_at!: string;
  revoked_at!: string | null;
  user_agent!: string | null;
  ip!: string | null;
}
