import { Model } from 'objection';
import type { TransactionStatus, TransactionType } from '../../shared/schemas/users.js';

export class Transaction extends Model {
  static tableName = 'transactions';

  id!: string;
  user_id!: string;
  wallet_id!: string;
  type!: TransactionType;
  status!: TransactionStatus;
  amount!: string;
  fee!: string;
  description!: string | null;
  created_at!: string;
  confirmed_at!: string | null;
}
