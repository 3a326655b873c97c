import { Model } from 'objection';
import type { UserStatus } from '../../shared/schemas/users.js';

export class User extends Model {
  static tableName = 'users';

  id!: string;
  email!: string;
  username!: string;
  status!: UserStatus;
  created_at!: string;
  last_login!: string | null;
}
