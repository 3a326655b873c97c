import { Model } from 'objection';
import type { PaymentStatus } from '../../shared/schemas/exchange.js';

export class Payment extends Model {
  static tableName = 'payments';

  id!: string;
  user_id!: string;
  wallet_id!: string;
  transaction_id!: string;
  /** Exact decimal text with 8 decimals; see shared/schemas/money.ts. */
  aitbc_amount!: string;
  btc_amount!: string;
  fee_amount!: string;
  payment_address!: string;
  status!: PaymentStatus;
  confirmations!: number;
  required_confirmations!: number;
  tx_hash!: string | null;
  created_at!: string;
  expires_at!: string;
  confirmed_at!: string | null;
}
